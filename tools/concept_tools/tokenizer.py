"""SentencePiece + the fairseq2 NLLB id layout: pad 0, unk 1, bos 2, eos 3, SP piece k at k+1,
then one `__lang__` token per SONAR language (official order), then 3 data-tag tokens."""
from __future__ import annotations

import sentencepiece as spm

from .languages import CODES

PAD, UNK, BOS, EOS = 0, 1, 2, 3


class SonarTokenizer:
    def __init__(self, model_path: str, langs: list[str] = CODES):
        self.sp = spm.SentencePieceProcessor(model_file=model_path)
        self.sp_size = self.sp.get_piece_size()
        self.langs = list(langs)
        self.lang_offset = self.sp_size + 1  # id of langs[0]
        self.vocab_size = self.sp_size + 1 + len(self.langs) + 3

    def lang_id(self, code: str) -> int:
        return self.lang_offset + self.langs.index(code)

    def pieces(self, text: str) -> list[int]:
        return [i + 1 for i in self.sp.encode(text)]

    def encode_source(self, text: str, lang: str, max_len: int | None = None) -> list[int]:
        ids = [self.lang_id(lang)] + self.pieces(text) + [EOS]
        return ids[:max_len] if max_len else ids

    def target_prefix(self, lang: str) -> list[int]:
        return [EOS, self.lang_id(lang)]

    def decode(self, ids: list[int]) -> str:
        sp_ids = [i - 1 for i in ids if 3 < i < self.lang_offset]
        return self.sp.decode(sp_ids)
