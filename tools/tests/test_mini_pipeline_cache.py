"""The mini pipeline's caches follow the encoder: extending the SONAR stage must re-encode the LCM training concepts
and restart the LCMs instead of resuming checkpoints trained on the old encoder's concepts."""
import random

import torch

from concept_tools import mini_pipeline as mp


def test_encoder_key_changes_with_any_weight():
    torch.manual_seed(0)
    enc = torch.nn.Linear(4, 4)
    k1 = mp.encoder_key(enc)
    assert mp.encoder_key(enc) == k1
    with torch.no_grad():
        enc.weight[0, 0] += 1e-3
    assert mp.encoder_key(enc) != k1


def _loop(tmp_path, key, steps):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    x = torch.randn(8, 3)

    def step_fn(rng: random.Random):
        return (model(x) ** 2).mean()

    logs: list[str] = []
    out = mp._ckpt_loop("toy", model, steps, str(tmp_path), step_fn, 1e-2, log=logs.append, concepts_key=key)
    return out.trained_steps, logs


def test_lcm_checkpoint_resumes_only_on_the_same_concepts(tmp_path, monkeypatch):
    monkeypatch.setattr(mp, "_lr", lambda step, steps, peak: peak)
    assert _loop(tmp_path, "a", 100)[0] == 100  # a checkpoint is written at step 100
    steps, logs = _loop(tmp_path, "a", 100)
    assert steps == 100 and not any("starting over" in m for m in logs)  # same concepts: resumed, nothing to do
    steps, logs = _loop(tmp_path, "b", 100)
    assert steps == 100 and any("starting over" in m for m in logs)  # another encoder: trained again from step 0


def test_a_budget_fitted_run_resumes_to_its_own_target(tmp_path, monkeypatch):
    """A run that fitted its step count to a time budget and finished is reused as it is by a rerun, not stretched
    over a fresh budget (which silently retrained the LCMs of every rerun that only meant to re-export)."""
    import time
    monkeypatch.setattr(mp, "_lr", lambda step, steps, peak: peak)
    model = torch.nn.Linear(3, 1)
    x = torch.randn(8, 3)

    calls = []

    def step_fn(rng: random.Random):
        calls.append(1)
        time.sleep(0.01)
        return (model(x) ** 2).mean()

    logs: list[str] = []
    first = mp._ckpt_loop("toy", model, 400, str(tmp_path), step_fn, 1e-2, log=logs.append, budget_s=0.5,
                          concepts_key="a").trained_steps
    assert 20 < first < 400 and any("fitting 400 steps" in m for m in logs)
    calls.clear()
    again = mp._ckpt_loop("toy", model, 400, str(tmp_path), step_fn, 1e-2, log=logs.append, budget_s=0.5,
                          concepts_key="a").trained_steps
    assert again == first and not calls
