"""pack.json `decoding_quality` from an evaluation's metrics.json (tools/concept_tools/decoding_quality.py): which
figures go where, the app's decoding preferred for English, and a stamp that leaves the pack's file list valid."""
import json
import os

from concept_tools import decoding_quality as dq
from concept_tools.pack import verify_pack, write_pack

SONAR = {
    "autoencoding": {"fra_Latn": {"n": 20, "chrf": 14.49, "baseline_chrf": 9.1}, "deu_Latn": {"n": 20, "chrf": 16.2}},
    "autoencoding_eng_short": {"n": 200, "chrf": 31.8, "baseline_chrf": 13.3},
    "autoencoding_eng_short_beam": {"n": 200, "chrf": 33.2, "baseline_chrf": 13.3,
                                    "rerank": {"chrf": 37.91, "baseline_chrf": 13.68}},
    "translation": {"fra_Latn": {"n": 100, "chrf": 13.46, "copy_chrf": 27.59, "other_concept_chrf": 13.05}},
    "translation_from_eng": {
        "fra_Latn": {"ntrex": {"n": 100, "chrf": 11.68, "copy_chrf": 25.2, "other_concept_chrf": 10.89},
                     "tatoeba_short": {"n": 39, "chrf": 12.2, "copy_chrf": 12.2, "other_concept_chrf": 8.8}},
        "deu_Latn": {"tatoeba_short": {"n": 40, "chrf": 12.1, "copy_chrf": 12.9, "other_concept_chrf": 8.3}}},
}


def test_from_metrics_maps_round_trips_and_pairs():
    t = dq.from_metrics(SONAR)
    assert t["same_language"]["fra_Latn"] == {"chrf": 14.49, "baseline": 9.1, "n": 20}
    assert "deu_Latn" not in t["same_language"]  # no baseline measured: no claim
    # English: the app's decoding (beam + concept reranking), with the run's sentence count
    assert t["same_language"]["eng_Latn"] == {"chrf": 37.91, "baseline": 13.68, "n": 200}
    assert t["pairs"]["fra_Latn>eng_Latn"] == {"chrf": 13.46, "baseline": 13.05, "n": 100, "copy": 27.59}
    assert t["pairs"]["eng_Latn>fra_Latn"]["chrf"] == 11.68  # news preferred over the short sentences
    assert t["pairs"]["eng_Latn>deu_Latn"]["baseline"] == 8.3  # short sentences when no news was measured
    no_beam = dq.from_metrics({"autoencoding_eng_short": SONAR["autoencoding_eng_short"]})
    assert no_beam["same_language"]["eng_Latn"]["chrf"] == 31.8
    assert dq.from_metrics({}) == {"same_language": {}, "pairs": {}}


def test_stamp_writes_the_table_and_keeps_the_pack_verified(tmp_path):
    sonar = tmp_path / "sonar"
    sonar.mkdir()
    (sonar / "encoder.onnx").write_bytes(b"graph")
    write_pack(str(sonar), {"name": "x", "kind": "sonar"})
    assert dq.stamp(str(tmp_path)) is None  # no metrics.json yet
    (tmp_path / "metrics.json").write_text(json.dumps({"sonar": SONAR}))
    table = dq.stamp(str(tmp_path))
    pack = json.loads((sonar / "pack.json").read_text())
    assert pack["decoding_quality"] == table and pack["name"] == "x"
    assert verify_pack(str(sonar)) == []
    assert os.path.getsize(sonar / "pack.json") > 0
