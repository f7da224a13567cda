"""SONAR text encoder and decoder (fairseq2 `text_sonar_basic_*` architecture), size configurable.

Parameter names are exactly those of the official fairseq2 checkpoints (research/sonar.md §5.3-5.4), so an
official state dict loads with strict=True. Positions use the fairseq sinusoidal table with offset 2 (legacy
pad_idx 1), layers are pre-LN with a final LN, the encoder mean-pools over real tokens and the decoder's output
projection is tied to its embedding.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class SonarConfig:
    vocab_size: int = 256206
    model_dim: int = 1024
    num_heads: int = 16
    ffn_dim: int = 8192
    encoder_layers: int = 24
    decoder_layers: int = 24
    max_seq_len: int = 512  # encoder table gets +2 rows (fairseq legacy), decoder exactly this many
    dropout: float = 0.1

    def to_dict(self) -> dict:
        return asdict(self)


def sinusoidal_table(num_rows: int, dim: int, offset: int = 2) -> torch.Tensor:
    """fairseq/fairseq2 tensor2tensor-style table: sin half then cos half, position p uses t = p + offset."""
    half = dim // 2
    inv_freq = torch.exp(torch.arange(half, dtype=torch.float32) * -(math.log(10000.0) / (half - 1)))
    t = torch.arange(num_rows, dtype=torch.float32) + offset
    ang = t[:, None] * inv_freq[None, :]
    return torch.cat([torch.sin(ang), torch.cos(ang)], dim=1)


class Embed(nn.Module):
    def __init__(self, vocab: int, dim: int):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(vocab, dim))
        nn.init.normal_(self.weight, std=dim ** -0.5)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return F.embedding(ids, self.weight)


class Frontend(nn.Module):
    """Token embedding x sqrt(d) + sinusoidal positions; no embedding LayerNorm."""

    def __init__(self, vocab: int, dim: int, rows: int, dropout: float):
        super().__init__()
        self.embed = Embed(vocab, dim)
        self.scale = math.sqrt(dim)
        self.register_buffer("pos_table", sinusoidal_table(rows, dim), persistent=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, ids: torch.Tensor, start: torch.Tensor | int = 0) -> torch.Tensor:
        x = self.embed(ids) * self.scale
        t = ids.shape[1]
        if isinstance(start, int):
            pe = self.pos_table[start:start + t]
        else:  # traced: dynamic offset (KV-cache length)
            pe = torch.index_select(self.pos_table, 0, torch.arange(t, device=ids.device) + start)
        return self.dropout(x + pe.unsqueeze(0))


class MultiheadAttention(nn.Module):
    def __init__(self, dim: int, heads: int, dropout: float = 0.0):
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.output_proj = nn.Linear(dim, dim)
        self.dropout = dropout

    def split(self, x: torch.Tensor) -> torch.Tensor:
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.head_dim).transpose(1, 2)

    def attend(self, q, k, v, bias):
        scores = torch.matmul(q, k.transpose(-1, -2)) * (self.head_dim ** -0.5)
        if bias is not None:
            scores = scores + bias
        p = torch.softmax(scores, dim=-1)
        if self.training and self.dropout > 0:
            p = F.dropout(p, self.dropout)
        out = torch.matmul(p, v)
        b, h, s, d = out.shape
        return self.output_proj(out.transpose(1, 2).reshape(b, s, h * d))

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        return self.attend(self.split(self.q_proj(x)), self.split(self.k_proj(x)), self.split(self.v_proj(x)), bias)


class FeedForward(nn.Module):
    def __init__(self, dim: int, ffn: int, dropout: float):
        super().__init__()
        self.inner_proj = nn.Linear(dim, ffn)
        self.output_proj = nn.Linear(ffn, dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.output_proj(self.dropout(F.relu(self.inner_proj(x))))


class EncoderLayer(nn.Module):
    def __init__(self, cfg: SonarConfig):
        super().__init__()
        d = cfg.model_dim
        self.self_attn_layer_norm = nn.LayerNorm(d, eps=1e-5)
        self.self_attn = MultiheadAttention(d, cfg.num_heads, cfg.dropout)
        self.ffn_layer_norm = nn.LayerNorm(d, eps=1e-5)
        self.ffn = FeedForward(d, cfg.ffn_dim, cfg.dropout)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, bias):
        x = x + self.drop(self.self_attn(self.self_attn_layer_norm(x), bias))
        return x + self.drop(self.ffn(self.ffn_layer_norm(x)))


class _Stack(nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.layers = nn.ModuleList(layers)


def key_padding_bias(mask: torch.Tensor, dtype=torch.float32) -> torch.Tensor:
    """(B,S) 0/1 mask -> additive (B,1,1,S); a finite minimum avoids NaN on an all-padding row."""
    m = mask.to(dtype)
    return ((1.0 - m) * torch.finfo(dtype).min)[:, None, None, :]


class SonarTextEncoder(nn.Module):
    def __init__(self, cfg: SonarConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder_frontend = Frontend(cfg.vocab_size, cfg.model_dim, cfg.max_seq_len + 2, cfg.dropout)
        self.encoder = _Stack([EncoderLayer(cfg) for _ in range(cfg.encoder_layers)])
        self.layer_norm = nn.LayerNorm(cfg.model_dim, eps=1e-5)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        x = self.encoder_frontend(input_ids)
        bias = key_padding_bias(attention_mask)
        for layer in self.encoder.layers:
            x = layer(x, bias)
        x = self.layer_norm(x)
        m = attention_mask.to(x.dtype).unsqueeze(-1)
        # fairseq2 static mean pooling: sum over real tokens times 1/(len + 1e-7)
        return (x * m).sum(dim=1) / (m.sum(dim=1) + 1e-7)


class DecoderLayer(nn.Module):
    def __init__(self, cfg: SonarConfig):
        super().__init__()
        d = cfg.model_dim
        self.self_attn_layer_norm = nn.LayerNorm(d, eps=1e-5)
        self.self_attn = MultiheadAttention(d, cfg.num_heads, cfg.dropout)
        self.encoder_decoder_attn_layer_norm = nn.LayerNorm(d, eps=1e-5)
        self.encoder_decoder_attn = MultiheadAttention(d, cfg.num_heads, cfg.dropout)
        self.ffn_layer_norm = nn.LayerNorm(d, eps=1e-5)
        self.ffn = FeedForward(d, cfg.ffn_dim, cfg.dropout)
        self.drop = nn.Dropout(cfg.dropout)

    def cross_constant(self, emb: torch.Tensor) -> torch.Tensor:
        """Cross-attention over a single memory slot: softmax over one key is 1, so the output is
        W_o(W_v e + b_v) + b_o whatever the query (research/sonar.md §4.3)."""
        a = self.encoder_decoder_attn
        return a.output_proj(a.v_proj(emb))

    def forward(self, x, causal_bias, cross, past=None):
        """x (B,T,D); cross (B,D) per-layer constant; past optional (k,v) each (B,H,P,hd)."""
        a = self.self_attn
        y = self.self_attn_layer_norm(x)
        q, k, v = a.split(a.q_proj(y)), a.split(a.k_proj(y)), a.split(a.v_proj(y))
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        x = x + self.drop(a.attend(q, k, v, causal_bias))
        x = x + self.drop(cross.unsqueeze(1))
        x = x + self.drop(self.ffn(self.ffn_layer_norm(x)))
        return x, (k, v)


class SonarTextDecoder(nn.Module):
    def __init__(self, cfg: SonarConfig):
        super().__init__()
        self.cfg = cfg
        self.decoder_frontend = Frontend(cfg.vocab_size, cfg.model_dim, cfg.max_seq_len, cfg.dropout)
        self.decoder = _Stack([DecoderLayer(cfg) for _ in range(cfg.decoder_layers)])
        self.decoder.layer_norm = nn.LayerNorm(cfg.model_dim, eps=1e-5)
        self.final_proj = nn.Linear(cfg.model_dim, cfg.vocab_size, bias=False)
        self.tie()

    def tie(self):
        self.final_proj.weight = self.decoder_frontend.embed.weight

    def cross_constants(self, emb: torch.Tensor) -> list[torch.Tensor]:
        return [layer.cross_constant(emb) for layer in self.decoder.layers]

    def hidden(self, input_ids: torch.Tensor, sentence_embedding: torch.Tensor) -> torch.Tensor:
        """Teacher-forced final states (B,T,D), before the output projection: training projects only the positions
        that have a target (concept_tools/vocab_loss.py)."""
        t = input_ids.shape[1]
        causal = torch.full((t, t), torch.finfo(torch.float32).min).triu(1)[None, None]
        x = self.decoder_frontend(input_ids)
        for layer, c in zip(self.decoder.layers, self.cross_constants(sentence_embedding)):
            x, _ = layer(x, causal, c)
        return self.decoder.layer_norm(x)

    def forward(self, input_ids: torch.Tensor, sentence_embedding: torch.Tensor) -> torch.Tensor:
        """Teacher-forced logits (B,T,V) for reference and tests."""
        return F.linear(self.hidden(input_ids, sentence_embedding), self.decoder_frontend.embed.weight)

    def step(self, input_ids, sentence_embedding, past: list[tuple[torch.Tensor, torch.Tensor]]):
        """Incremental step: input_ids (N,T) after P cached positions -> log-probs of the last position (N,V)
        and the new caches. P is read from the cache shape so one graph serves prefill and steps."""
        t = input_ids.shape[1]
        p = past[0][0].shape[2]
        x = self.decoder_frontend(input_ids, p if isinstance(p, int) else p)
        q_pos = torch.arange(t) + p
        k_pos = torch.arange(t + p)
        causal = torch.where(k_pos[None, :] > q_pos[:, None], torch.tensor(torch.finfo(torch.float32).min),
                             torch.tensor(0.0))[None, None]
        presents = []
        for layer, c, kv in zip(self.decoder.layers, self.cross_constants(sentence_embedding), past):
            x, new_kv = layer(x, causal, c, kv)
            presents.append(new_kv)
        h = self.decoder.layer_norm(x[:, -1, :])
        # A 2-D state plus an explicit (zero) bias makes the exporter emit Gemm(transB=1) on the embedding
        # initializer itself; without a bias it emits MatMul(Transpose(E)) and constant folding stores a second,
        # transposed copy of the table (research/sonar.md §8.4 pitfall 2).
        w = self.decoder_frontend.embed.weight
        logits = F.linear(h, w, torch.zeros(w.shape[0], dtype=h.dtype))
        return torch.log_softmax(logits.float(), dim=-1), presents

    def empty_past(self, n: int):
        h, hd = self.cfg.num_heads, self.cfg.model_dim // self.cfg.num_heads
        return [(torch.zeros(n, h, 0, hd), torch.zeros(n, h, 0, hd)) for _ in range(self.cfg.decoder_layers)]


def load_official_state_dict(model: nn.Module, state: dict) -> None:
    """Strict load of a fairseq2 state dict; the decoder's final_proj must equal the embedding (tied)."""
    state = dict(state)
    if isinstance(model, SonarTextDecoder):
        if "final_proj.weight" in state:
            fp = state.pop("final_proj.weight")
            emb = state["decoder_frontend.embed.weight"]
            if fp.data_ptr() != emb.data_ptr() and not torch.equal(fp, emb):
                raise ValueError("final_proj.weight differs from decoder_frontend.embed.weight: head is not tied")
        missing, unexpected = model.load_state_dict(state, strict=False)
        missing = [k for k in missing if k != "final_proj.weight"]
        if missing or unexpected:
            raise ValueError(f"state dict mismatch: missing={missing[:5]} unexpected={unexpected[:5]}")
        model.tie()
    else:
        model.load_state_dict(state, strict=True)
