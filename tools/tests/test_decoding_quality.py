"""pack.json `decoding_quality` from an evaluation's metrics.json (tools/concept_tools/decoding_quality.py): which
figures go where, the app's decoding preferred for English, and a stamp that leaves the pack's file list valid."""
import json

from concept_tools import decoding_quality as dq
from concept_tools.pack import verify_pack, write_pack

SONAR = {
    "autoencoding": {"fra_Latn": {"n": 20, "chrf": 14.49, "baseline_chrf": 9.1}, "deu_Latn": {"n": 20, "chrf": 16.2}},
    "autoencoding_eng_short": {"n": 200, "chrf": 31.8, "baseline_chrf": 13.3},
    "autoencoding_eng_short_beam": {"n": 200, "chrf": 33.2, "baseline_chrf": 13.3,
                                    "rerank": {"chrf": 37.91, "baseline_chrf": 13.68}},
    "autoencoding_mean": {"chrf": 13.63, "baseline_chrf": 7.44},
    "retrieval_mean": {"accuracy": 0.4414, "trigram_accuracy": 0.1653},
    "translation_mean": {"chrf": 13.32, "other_concept_chrf": 12.7},
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


LCM = {"summaries": {"rougeL_mean": {"lead1": 0.1759, "lead3": 0.1524, "base_lcm": 0.0811, "two_tower": 0.0645}}}


def test_headline_metrics_carry_their_baselines_in_percent():
    m = dq.sonar_headline(SONAR)
    assert m["roundtrip_eng_chrf"] == {"value": 37.91, "baseline": 13.68}
    assert m["roundtrip_languages_chrf"] == {"value": 13.63, "baseline": 7.44}
    assert m["retrieval_xx_eng_top1"] == {"value": 44.14, "baseline": 16.53}
    assert m["translation_xx_eng_chrf"] == {"value": 13.32, "baseline": 12.7}
    assert m["translation_eng_xx_chrf"] == {"value": 11.68, "baseline": 10.89}  # the one language with news measured
    assert dq.lcm_headline(LCM, "base_lcm") == {"summary_rougeL": {"value": 8.11, "baseline": 17.59}}
    assert dq.lcm_headline({}, "base_lcm") == {}


def test_stamp_writes_the_figures_and_keeps_the_packs_verified(tmp_path):
    folders = {"sonar": "sonar", "base-lcm": "lcm", "two-tower-lcm": "lcm"}
    for folder, kind in folders.items():
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "graph.onnx").write_bytes(b"graph")
        write_pack(str(tmp_path / folder), {"name": folder, "kind": kind})
    assert dq.stamp(str(tmp_path)) is None  # no metrics.json yet
    (tmp_path / "metrics.json").write_text(json.dumps({"sonar": SONAR, "lcm": LCM}))
    table = dq.stamp(str(tmp_path))
    pack = json.loads((tmp_path / "sonar" / "pack.json").read_text())
    assert pack["decoding_quality"] == table and pack["name"] == "sonar"
    assert pack["quality"] == "demo" and pack["metrics"]["roundtrip_eng_chrf"]["value"] == 37.91
    tt = json.loads((tmp_path / "two-tower-lcm" / "pack.json").read_text())
    assert tt["quality"] == "demo" and tt["metrics"] == {"summary_rougeL": {"value": 6.45, "baseline": 17.59}}
    for folder in folders:
        assert verify_pack(str(tmp_path / folder)) == []
