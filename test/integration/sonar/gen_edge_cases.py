"""Reference decodes for edge cases (short max lengths, other beam sizes, length penalties, greedy caps), produced by
tools/concept_tools/generate.py itself on the random test decoder (rebuilt exactly as fixtures.random_family builds it:
same seed, same construction order). Writes edge_cases.json beside this file.

usage: /usr/bin/python3 test/integration/sonar/gen_edge_cases.py   (from the repository root)"""
import json
import os
import sys

import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from concept_tools.generate import beam_search, greedy_batch  # noqa: E402
from concept_tools.sonar_model import SonarConfig, SonarTextDecoder, SonarTextEncoder  # noqa: E402
from concept_tools.tokenizer import SonarTokenizer  # noqa: E402

torch.set_num_threads(1)


def random_decoder():
    # the first lines of fixtures.random_family, verbatim in effect
    torch.manual_seed(0)
    tok = SonarTokenizer(os.path.join(ROOT, "test", "fixtures", "random", "test_model.model"))
    cfg = SonarConfig(vocab_size=tok.vocab_size, model_dim=32, num_heads=4, ffn_dim=64, encoder_layers=2,
                      decoder_layers=2, max_seq_len=96, dropout=0.0)
    SonarTextEncoder(cfg).eval()
    dec = SonarTextDecoder(cfg).eval()
    with torch.no_grad():
        emb = dec.decoder_frontend.embed.weight
        dec.decoder.layer_norm.bias.add_(4.0 * emb[3] / emb[3].norm() ** 2)
    return tok, dec


def main():
    tok, dec = random_decoder()
    fx = json.load(open(os.path.join(ROOT, "test", "fixtures", "random", "fixtures.json")))["sonar"]
    embs = [torch.tensor(e["embedding"], dtype=torch.float32) for e in fx["encoder"]]
    # the rebuilt decoder must reproduce the committed fixture
    for d in fx["decodes"]:
        hyps = beam_search(dec, embs[d["embedding_of"]], tok.lang_id(d["lang"]), beam=5)
        assert [h[0] for h in hyps] == [b["tokens"] for b in d["beam"]], "rebuilt decoder differs from the fixture"
    cases = []
    for k in (0, 3, 5):
        for lang in ("eng_Latn", "fra_Latn"):
            lid = tok.lang_id(lang)
            for beam, max_len, lp in ((1, 3, 1.0), (1, 4, 1.0), (2, 4, 1.0), (5, 5, 1.0), (5, 8, 1.0), (3, 12, 1.0),
                                      (4, 20, 0.5), (5, 30, 2.0), (1, 96, 1.0), (8, 40, 1.0)):
                hyps = beam_search(dec, embs[k], lid, beam=beam, max_len=max_len, len_penalty=lp)
                cases.append({"embedding_of": k, "lang": lang, "beam": beam, "max_len": max_len, "length_penalty": lp,
                              "hyps": [{"tokens": h[0], "score": h[1], "raw_score": h[2]} for h in hyps]})
    greedy = []
    for max_len in (3, 4, 10, 50):
        ks = [0, 3, 5, 1]
        langs = ["eng_Latn", "fra_Latn", "eng_Latn", "eng_Latn"]
        out = greedy_batch(dec, torch.stack([embs[k] for k in ks]), [tok.lang_id(l) for l in langs], max_len=max_len)
        greedy.append({"embedding_of": ks, "langs": langs, "max_len": max_len, "tokens": out})
    # repeated n-gram blocking (fairseq2's NGramRepeatBlockProcessor), beam and greedy, on long decodes where the
    # random decoder repeats itself without it
    ngram = []
    for n in (1, 2, 3):
        for k in (0, 3, 5):
            for beam in (1, 4):
                hyps = beam_search(dec, embs[k], tok.lang_id("eng_Latn"), beam=beam, max_len=40, no_repeat_ngram=n)
                ngram.append({"embedding_of": k, "lang": "eng_Latn", "beam": beam, "max_len": 40, "no_repeat_ngram": n,
                              "hyps": [{"tokens": h[0], "score": h[1], "raw_score": h[2]} for h in hyps]})
    ngram_greedy = []
    for n in (1, 2, 3):
        ks = [0, 3, 5, 1]
        langs = ["eng_Latn", "fra_Latn", "eng_Latn", "eng_Latn"]
        out = greedy_batch(dec, torch.stack([embs[k] for k in ks]), [tok.lang_id(l) for l in langs], max_len=50,
                           no_repeat_ngram=n)
        ngram_greedy.append({"embedding_of": ks, "langs": langs, "max_len": 50, "no_repeat_ngram": n, "tokens": out})
    with open(os.path.join(os.path.dirname(__file__), "edge_cases.json"), "w") as f:
        json.dump({"beam": cases, "greedy": greedy, "ngram_beam": ngram, "ngram_greedy": ngram_greedy}, f)
    print(len(cases), "beam cases,", len(greedy), "greedy cases,", len(ngram) + len(ngram_greedy), "n-gram cases")


if __name__ == "__main__":
    main()
