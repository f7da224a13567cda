/**
 * Getting the official SONAR weights from inside the app (issue 13): the licence shown and accepted first (recorded in
 * settings), then download (resumable), conversion in TypeScript into a pack in the user's pack folder
 * (engine/packs/get-sonar.ts), with progress events ('download', 'convert') under the caller's request id; cancelRun
 * cancels it like a run.
 */
import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import type { GetSonarRequest, LicenseInfo, PackInfo } from './contract.js';
import type { LoadedPack } from '../engine/packs/index.js';
import { apiError, toApiError } from './errors.js';
import type { ServiceContext } from './context.js';
import { getSonar as getSonarFiles, SONAR_LICENSE, sonarPackName } from '../engine/packs/get-sonar.js';
import { SONAR_VARIANTS, variantWeightBytes, type SonarVariant } from '../engine/packs/convert/sonar.js';
import { loadPack } from '../engine/packs/index.js';

function checkRequest(req: GetSonarRequest): void {
  if (req.baseUrl !== undefined && (typeof req.baseUrl !== 'string' || !/^https?:\/\//.test(req.baseUrl))) {
    throw apiError('INVALID_REQUEST', `baseUrl must be an http(s) address (got ${String(req.baseUrl)}).`);
  }
  for (const [k, v] of Object.entries(req.sha256 ?? {})) {
    if (typeof v !== 'string' || !/^[0-9a-fA-F]{64}$/.test(v)) throw apiError('INVALID_REQUEST', `sha256 of ${k} must be 64 hex digits.`);
  }
  if (req.variant !== undefined && !SONAR_VARIANTS.includes(req.variant)) throw apiError('INVALID_REQUEST', `variant is ${SONAR_VARIANTS.join(', ')}.`);
}

/** What runs on a freshly installed pack before getSonar resolves (the self-test, selftest.ts), under the same id and signal. */
export type AfterInstall = (pack: LoadedPack, requestId: string, signal: AbortSignal) => Promise<unknown>;

/** The licence as shown to the user, with its acceptance as recorded in the settings. */
function licenseOf(ctx: ServiceContext): LicenseInfo {
  const rec = (ctx.store.settings.get<Record<string, { id: string; acceptedAt: string }>>('licenses') ?? {}).sonar;
  const accepted = rec?.id === SONAR_LICENSE.id;
  return { id: SONAR_LICENSE.id, title: SONAR_LICENSE.title, url: SONAR_LICENSE.url, text: SONAR_LICENSE.text, accepted,
    acceptedAt: accepted ? rec.acceptedAt : null };
}

export function sonarDownloadApi(ctx: ServiceContext, isRunId: (id: string) => boolean, afterInstall?: AfterInstall) {
  const downloads = new Map<string, AbortController>();
  const licenseInfo = () => licenseOf(ctx);

  async function download(req: GetSonarRequest, requestId: string, controller: AbortController): Promise<PackInfo> {
    checkRequest(req);
    if (downloads.has(requestId) || isRunId(requestId)) throw apiError('INVALID_REQUEST', `request id ${requestId} is in use.`);
    const lic = licenseInfo();
    if (!lic.accepted) {
      throw apiError('LICENSE_NOT_ACCEPTED', `The SONAR weights are ${lic.id} (non-commercial use only): show the licence ` +
        '(sonarLicense) and accept it (acceptSonarLicense) first.');
    }
    const user = ctx.packs.userFolder();
    if (!user) throw apiError('INVALID_REQUEST', 'No user pack folder is set (settings.userPackDir).');
    const name = req.name ?? sonarPackName(req.variant);
    const same = ctx.packs.discovered().find((d) => d.pack?.json.name === name);
    if (same) throw apiError('PACK_EXISTS', `A pack named "${name}" is already installed (${same.dir}); remove it first.`);
    downloads.set(requestId, controller);
    const res = await getSonarFiles({
      templatesDir: ctx.opts.sonarTemplatesDir,
      baseUrl: req.baseUrl, name, variant: req.variant, licenseAccepted: true, sha256: req.sha256 ?? ctx.opts.sonarSha256, keepDownloads: req.keepDownloads,
      packsDir: resolve(user),
      downloadDir: join(ctx.opts.dataDir ?? dirname(resolve(user)), 'downloads', 'sonar'),
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'download') {
          ctx.emit({ type: 'progress', requestId, stage: 'download', done: p.bytesDone, total: p.bytesTotal ?? 0,
            message: p.file, bytesPerSecond: p.bytesPerSecond, etaSeconds: p.etaSeconds });
        } else if (p.phase === 'convert') {
          ctx.emit({ type: 'progress', requestId, stage: 'convert', done: p.bytesDone, total: p.bytesTotal, message: p.stage });
        }
      },
    });
    if (!ctx.settings().userPackDir) ctx.saveSettings({ userPackDir: resolve(user) });
    const p = loadPack(res.dir);
    ctx.packs.markVerified(p.dir, true);
    if (req.selftest !== false && afterInstall) await afterInstall(p, requestId, controller.signal);
    return ctx.packs.info(p, false);
  }

  return {
    /** cancel a download by its request id (false: no such download) */
    cancel(requestId: string): boolean {
      const dl = downloads.get(requestId);
      dl?.abort(new DOMException('cancelled', 'AbortError'));
      return !!dl;
    },

    async sonarLicense() {
      return licenseInfo();
    },

    async sonarVariants() {
      return Object.entries(variantWeightBytes(ctx.opts.sonarTemplatesDir)).map(([variant, packBytes]) => ({ variant: variant as SonarVariant, packBytes }));
    },

    async acceptSonarLicense() {
      ctx.store.settings.set('licenses', { ...(ctx.store.settings.get<Record<string, unknown>>('licenses') ?? {}),
        sonar: { id: SONAR_LICENSE.id, acceptedAt: new Date().toISOString() } });
      return licenseInfo();
    },

    async getSonar(req: GetSonarRequest = {}) {
      const requestId = typeof req.requestId === 'string' && req.requestId ? req.requestId : randomUUID();
      const controller = new AbortController();
      try {
        return await download(req, requestId, controller);
      } catch (e) {
        const code = (e as { code?: string })?.code;
        if (code === 'DOWNLOAD_CANCELLED' || code === 'CONVERT_CANCELLED') {
          throw apiError('CANCELLED', 'Getting SONAR was cancelled; run it again to resume the download.');
        }
        throw toApiError(e);
      } finally {
        if (downloads.get(requestId) === controller) downloads.delete(requestId);
      }
    },
  };
}
