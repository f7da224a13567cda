"""The pure parts of the held-out SONAR evaluation: the character-trigram retrieval baseline, per-language pools,
the UDHR match normalisation and the distinct-output count (no model, no ../shared/data)."""
import pytest
import torch

from concept_tools import eval_sonar as ev
from concept_tools import model_card


def test_trigrams_are_lowercased_and_space_padded():
    assert ev.trigrams("Ab") == {" ab": 1, "ab ": 1}
    assert ev.trigrams("a  a") == ev.trigrams("A A")  # whitespace collapsed, case folded
    assert sum(ev.trigrams("hello").values()) == len(" hello ") - 2


def test_trigram_cosine_is_exact_cosine_of_count_vectors():
    q, c = ["the cat sat"], ["the cat sat", "a dog ran far away", "cat"]
    sim = ev.trigram_cosine(q, c)
    assert sim.shape == (1, 3)
    assert sim[0, 0].item() == pytest.approx(1.0)
    # by hand, over the full vocabulary (candidate trigrams absent from the query still count in its norm)
    a, b = ev.trigrams(q[0]), ev.trigrams(c[2])
    dot = sum(a[g] * b[g] for g in a)
    want = dot / (sum(v * v for v in a.values()) ** 0.5 * sum(v * v for v in b.values()) ** 0.5)
    assert sim[0, 2].item() == pytest.approx(want)
    assert 0 < sim[0, 2].item() < 1
    assert sim[0, 1].item() < sim[0, 2].item()
    # one index serves many query sets; a query sharing nothing with the pool scores 0 everywhere
    index = ev.TrigramIndex(c)
    assert torch.allclose(index.cosine(q), sim)
    assert index.cosine(["xyz", "the cat sat"])[0].abs().max().item() == 0.0
    assert index.cosine(["xyz", "the cat sat"])[1, 0].item() == pytest.approx(1.0)


def test_trigram_retrieval_on_a_hand_made_set():
    # cognates: the trigram baseline finds these, and gets the last one wrong on purpose (no shared letters)
    queries = ["Le chocolat est délicieux.", "Le président est moderne.", "La musique classique", "Я люблю кошек."]
    cands = ["Chocolate is delicious.", "The president is modern.", "Classical music", "I love cats."]
    sim = ev.trigram_cosine(queries, cands)
    assert sim.argmax(-1).tolist()[:3] == [0, 1, 2]
    assert sim[3].max().item() == 0.0  # Cyrillic vs Latin: nothing shared, the tie goes to the first candidate
    gold = [{0}, {1}, {2}, {3}]
    assert ev.retrieval_accuracy(sim, gold) == pytest.approx(0.75)
    # a query with two correct translations counts as right when it picks either
    assert ev.retrieval_accuracy(torch.tensor([[0.1, 0.9], [0.8, 0.2]]), [{0, 1}, {1}]) == pytest.approx(0.5)


def test_retrieval_pools_are_per_language_and_keep_all_translations():
    test = [("fra_Latn", "Bonjour.", "eng_Latn", "Hello."), ("fra_Latn", "Bonjour.", "eng_Latn", "Good morning."),
            ("fra_Latn", "Merci.", "eng_Latn", "Thanks."), ("deu_Latn", "Danke.", "eng_Latn", "Thanks."),
            ("eng_Latn", "x", "eng_Latn", "x")]
    pools = ev.retrieval_pools(test)
    assert sorted(pools) == ["deu_Latn", "fra_Latn"]  # English-English pairs are no retrieval task
    q, c, g = pools["fra_Latn"]
    assert q == ["Bonjour.", "Merci."]
    assert c == ["Good morning.", "Hello.", "Thanks."]  # only fra's pairs: deu's sentences are not candidates
    assert g == [{0, 1}, {2}]
    assert pools["deu_Latn"][1] == ["Thanks."]


def test_normalize_text_for_udhr_matches():
    udhr = {ev.normalize_text(s) for s in ["All human beings are born free and equal in dignity and rights.",
                                           "Tous les êtres humains naissent libres et égaux en dignité et en droits."]}
    outs = ["  ALL human beings are born   free and equal in dignity and rights",  # case, spaces, lost full stop
            "Tous les êtres humains naissent libres et égaux en dignité et en droits.",
            "All human beings are born free.",  # a prefix is a different sentence
            "",  # an empty decode is not a UDHR sentence
            "I have two cats."]
    assert ev.udhr_matches(outs, udhr) == [0, 1]
    assert ev.normalize_text("«Ｈｅｌｌｏ»") == "hello"  # NFKC full-width, edge punctuation
    assert ev.normalize_text("人人生而自由。") == "人人生而自由"


def test_distinct_count_and_repeats():
    outs = ["Hello.", "hello", "Hello!", "Good bye.", "good  bye", "Cats."]
    assert ev.distinct_count(outs) == 3
    assert ev.distinct_count(["a b", "a c"]) == 2
    rep = ev.most_repeated(outs)
    assert rep[0] == {"output": "Hello.", "count": 3}
    assert {"output": "Good bye.", "count": 2} in rep
    assert all(r["count"] > 1 for r in rep)


def test_short_english_spreads_over_short_held_out_sentences():
    test = [("fra_Latn", "x", "eng_Latn", f"Sentence number {i}.") for i in range(50)]
    test += [("fra_Latn", "y", "eng_Latn", "one two three four five six seven eight nine ten eleven twelve thirteen")]
    eng = ev.short_english(test, n=10)
    assert len(eng) == 10 and len(set(eng)) == 10
    assert all(len(s.split()) <= ev.AE_MAX_WORDS for s in eng)


def _metrics(ae_chrf, ae_base, distinct, udhr, acc, tri):
    return {"sonar": {"autoencoding_eng_short": {"n": 200, "max_words": 12, "chrf": ae_chrf, "baseline_chrf": ae_base,
                                                 "ratio": ae_chrf / ae_base},
                      "distinct": {"n": 100, "distinct": distinct, "udhr_matches": udhr},
                      "retrieval_mean": {"languages": 80, "accuracy": acc, "trigram_accuracy": tri},
                      "translation": {"fra_Latn": {"chrf": 30.0, "copy_chrf": 25.0},
                                      "zho_Hans": {"chrf": 10.0, "copy_chrf": 12.0}},
                      "translation_mean": {"chrf": 20.0, "copy_chrf": 18.5}},
            "lcm": {"summaries": {"rougeL_mean": {"base_lcm": 0.1, "two_tower": 0.1, "lead1": 0.2, "lead3": 0.2}}}}


def test_card_verdicts_follow_the_issue_thresholds():
    good = model_card.verdicts(_metrics(35.0, 12.0, 95, 0, 0.3, 0.12))
    assert good["ae"] and good["distinct"] and good["retrieval"] and good["retrieval_aim"]
    assert (good["translation_wins"], good["translation_n"]) == (1, 2)
    assert good["summary"] is False
    # chrF over 30 but under 2.5x the other-concept baseline; 91 distinct but one UDHR output; 2x aim missed
    bad = model_card.verdicts(_metrics(31.0, 13.0, 91, 1, 0.2, 0.12))
    assert bad["ae"] is False and bad["ae_reads"] is True
    assert bad["distinct"] is False
    assert bad["retrieval"] is True and bad["retrieval_aim"] is False
    text = " ".join(model_card.headline(_metrics(31.0, 13.0, 91, 1, 0.2, 0.12), bad))
    assert "only in part" in text and "not quality models" in text
    text = " ".join(model_card.headline(_metrics(11.0, 9.9, 20, 60, 0.02, 0.10), model_card.verdicts(
        _metrics(11.0, 9.9, 20, 60, 0.02, 0.10))))
    assert "ignores the concept" in text and "letter triples still beats" in text


def test_rerank_by_concept_keeps_the_candidate_nearest_its_concept(monkeypatch):
    import torch

    from concept_tools import eval_sonar, mini_pipeline
    vecs = {"a": [1.0, 0.0], "b": [0.0, 1.0], "c": [0.7, 0.7], "d": [1.0, 0.01]}
    seen = []

    def fake_encode(enc, tok, sents, langs):
        seen.append((list(sents), list(langs)))
        return torch.tensor([vecs[t] for t in sents])
    monkeypatch.setattr(mini_pipeline, "encode", fake_encode)
    concepts = torch.tensor([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [5.0, 0.0]])
    # best beam first: the nearest wins whatever its rank; an empty candidate is never chosen nor encoded; the
    # second concept's "a" and "d" tie on cosine up to 1e-4 but "a" is nearer; the last list has only empties
    picks = eval_sonar.rerank_by_concept(None, None, concepts, [["a", "b"], ["d", "", "a"], ["a", "c"], ["", " "]],
                                         "eng_Latn")
    assert picks == [1, 2, 1, 0]
    assert seen == [(["a", "b", "d", "a", "a", "c"], ["eng_Latn"] * 6)]


def test_card_judges_the_apps_decoding_when_it_was_measured():
    m = _metrics(30.6, 12.6, 100, 0, 0.4, 0.16)  # greedy: 2.43x, short of 2.5x
    v = model_card.verdicts(m)
    assert v["ae"] is False and v["ae_app"] is None
    m["sonar"]["autoencoding_eng_short_beam"] = {
        "n": 200, "beam": 5, "chrf": 32.4, "baseline_chrf": 12.5, "ratio": 2.59, "exact_match": 0.03,
        "baseline_exact_match": 0.0, "rerank": {"chrf": 35.9, "baseline_chrf": 12.7, "ratio": 35.9 / 12.7,
                                                "exact_match": 0.05, "baseline_exact_match": 0.0, "distinct": 99,
                                                "udhr_matches": 0, "examples": []}}
    v = model_card.verdicts(m)
    assert v["ae"] is False and v["ae_app"] is True
    text = " ".join(model_card.headline(m, v))
    assert "The decoder reads the concept" in text and "35.9" in text and "greedy: 30.6" in text
    m["sonar"]["autoencoding_eng_short_beam"]["rerank"]["baseline_chrf"] = 15.0  # 2.39x: the app's decoding fails
    v = model_card.verdicts(m)
    assert v["ae_app"] is False
    assert "only in part" in " ".join(model_card.headline(m, v))
