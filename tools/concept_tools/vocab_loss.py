"""The decoder's training loss over the vocabulary, written for CPU throughput.

Profiling a mini training step (64 pairs, 2 cores) showed more time in vocabulary-sized tensors (2,600 positions x
8,206 pieces = 86 MB each) than in the transformer's matrix products: PyTorch's generic label-smoothed
cross-entropy allocates, zero-fills and adds four of them per step, and the output projection ran over padding and
over the language tag, which is given, not predicted. Here only the positions with a target are projected, and the
backward pass is the closed form (softmax - smoothed one-hot), built in one tensor.
Same loss and gradient as `train_sonar.teacher_forced_ce` (tools/tests/test_vocab_loss.py)."""
from __future__ import annotations

import torch
import torch.nn.functional as F


class SmoothedCrossEntropy(torch.autograd.Function):
    """Mean over rows of (1 - eps) * NLL + eps * mean over the vocabulary of -log p; logits (N, V), target (N,)."""

    @staticmethod
    def forward(ctx, logits: torch.Tensor, target: torch.Tensor, eps: float) -> torch.Tensor:
        x = logits if logits.dtype in (torch.float32, torch.float64) else logits.float()  # bf16 under autocast
        lp = torch.log_softmax(x, dim=-1)
        nll = -lp.gather(1, target[:, None]).squeeze(1)
        loss = ((1 - eps) * nll - eps * lp.mean(dim=1)).mean()
        ctx.save_for_backward(lp, target)
        ctx.eps, ctx.dtype = eps, logits.dtype
        return loss

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        lp, target = ctx.saved_tensors
        n, v = lp.shape
        grad = lp.exp()  # softmax (a new tensor, not lp in place: a retained graph may run backward again)
        grad.sub_(ctx.eps / v)
        grad[torch.arange(n, device=grad.device), target] -= 1 - ctx.eps
        grad.mul_(grad_out / n)
        return grad.to(ctx.dtype), None, None


def decoder_ce(dec, dec_in: torch.Tensor, concept: torch.Tensor, d_ids: torch.Tensor, d_mask: torch.Tensor,
               label_smoothing: float = 0.05) -> torch.Tensor:
    """Teacher-forced loss of `dec` for targets [eos, lang, pieces..., eos] fed `dec_in` (the targets shifted, maybe
    word-dropped): padding and the language tag are neither projected nor scored."""
    h = dec.hidden(dec_in, concept)
    keep = d_mask[:, 1:] == 1
    keep[:, 0] = False
    logits = F.linear(h[keep], dec.decoder_frontend.embed.weight)
    return SmoothedCrossEntropy.apply(logits, d_ids[:, 1:][keep], label_smoothing)
