import type { DocumentSummary, OutputSentence, RunResult } from '../../../main/api/contract.js';

export function plainText(sentences: OutputSentence[]): string {
  return sentences.map((s) => s.text).join(' ') + '\n';
}

export function markdown(run: RunResult, doc: Pick<DocumentSummary, 'title'>, langName: string): string {
  const lines = [
    `# ${doc.title}`,
    '',
    `*${run.task} · ${langName} (${run.targetLang}) · ${run.method} · ${new Date(run.createdAt).toISOString().slice(0, 10)}*`,
    '',
    ...run.sentences.map((s) => `- ${s.text.replace(/\n/g, ' ')}`),
    '',
  ];
  return lines.join('\n');
}

export function safeFileName(s: string): string {
  return s.replace(/[\\/:*?"<>|\x00-\x1f]+/g, '_').slice(0, 80) || 'concept-studio';
}
