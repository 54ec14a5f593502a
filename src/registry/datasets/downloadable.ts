// MNIST-format datasets that are downloaded once into a cache and verified against the md5
// checksums torchvision publishes; a local directory can stand in for the download.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { defineDataset, PluginInputError, type DataFacts, type DatasetContext } from '../kinds.js';
import { downloadVerified, DownloadError, terminalProgress } from '../../util/download.js';
import { exists, FILES, findFile, inspectIdxFiles, loadIdxFiles, STANDARD_NAMES, type FileKey, type IdxFiles } from './idx-files.js';

export interface DownloadableParams {
  dir?: string;
  baseUrl?: string;
  download: boolean;
  scale: number;
}

export interface DownloadableSpec {
  type: string;
  summary: string;
  /** Published base URL of the .gz files. */
  baseUrl: string;
  /** md5 of each published .gz file, as torchvision lists them. */
  md5: Record<FileKey, string>;
  /** Directories searched before the cache (e.g. what a system package installs). */
  systemDirs?: string[];
  /** What a local directory must hold: checked by structure, since repacked files have other checksums. */
  expected: { trainSize: number; testSize: number; sampleShape: number[]; classes: number };
}

/** TRAINYARD_CACHE, or ~/.cache/trainyard. */
export const cacheRoot = (): string => process.env.TRAINYARD_CACHE ?? join(homedir(), '.cache', 'trainyard');

async function filesIn(dir: string): Promise<Record<FileKey, string> | undefined> {
  const found = {} as Record<FileKey, string>;
  for (const key of FILES) {
    const file = await findFile(dir, STANDARD_NAMES[key]);
    if (!file) return undefined;
    found[key] = file;
  }
  return found;
}

const withParam = (files: Record<FileKey, string>, param: string): IdxFiles =>
  Object.fromEntries(FILES.map((k) => [k, { path: files[k], param }])) as IdxFiles;

/** A local directory must hold exactly the published dataset's shapes and counts. */
function checkStructure(spec: DownloadableSpec, facts: DataFacts, dir: string, param: string): void {
  const { expected } = spec;
  const got = `${facts.trainSize}/${facts.testSize} samples of [${facts.sampleShape.join(', ')}]`;
  const want = `${expected.trainSize}/${expected.testSize} samples of [${expected.sampleShape.join(', ')}]`;
  if (got !== want) throw new PluginInputError(`${dir} does not hold ${spec.type}: it has ${got}, ${spec.type} has ${want}`, param);
}

export function downloadableDataset(spec: DownloadableSpec) {
  /** Where the four files are: dir param, a system directory, the cache, or a fresh download. */
  async function locate(p: DownloadableParams, ctx: DatasetContext): Promise<{ files: IdxFiles; local: string | undefined }> {
    if (p.dir !== undefined) {
      const dir = resolve(ctx.baseDir, p.dir);
      if (!(await exists(dir))) throw new PluginInputError(`directory not found: ${dir}`, 'dir');
      const files = await filesIn(dir);
      if (!files) throw new PluginInputError(`${dir} must hold ${FILES.map((k) => `${STANDARD_NAMES[k]}[.gz]`).join(', ')}`, 'dir');
      return { files: withParam(files, 'dir'), local: dir };
    }
    for (const dir of spec.systemDirs ?? []) {
      const files = await filesIn(dir);
      if (files) return { files: withParam(files, 'type'), local: dir };
    }
    const cache = join(cacheRoot(), spec.type);
    const cached = await filesIn(cache);
    if (cached) return { files: withParam(cached, 'type'), local: undefined };
    const baseUrl = (p.baseUrl ?? process.env.TRAINYARD_DATA_URL ?? spec.baseUrl).replace(/\/?$/, '/');
    if (!p.download) {
      throw new PluginInputError(
        `${spec.type} is not in the cache (${cache}) and download is false: put ${FILES.map((k) => `${STANDARD_NAMES[k]}.gz`).join(', ')} there, or name a directory with dir`,
        'download',
      );
    }
    const files = {} as Record<FileKey, string>;
    for (const key of FILES) {
      const name = `${STANDARD_NAMES[key]}.gz`;
      files[key] = join(cache, name);
      if (await exists(files[key])) continue;
      try {
        await downloadVerified(`${baseUrl}${name}`, files[key], { md5: spec.md5[key], onProgress: terminalProgress(`${spec.type} ${name}`) });
      } catch (error) {
        if (!(error instanceof DownloadError)) throw error;
        throw new PluginInputError(
          `${error.message}. Offline, put the four .gz files in ${cache} (or set TRAINYARD_CACHE), or name a directory with dir`,
          p.baseUrl !== undefined ? 'baseUrl' : 'type',
        );
      }
    }
    return { files: withParam(files, 'type'), local: undefined };
  }

  async function inspect(p: DownloadableParams, ctx: DatasetContext): Promise<DataFacts> {
    const { files, local } = await locate(p, ctx);
    const facts = await inspectIdxFiles(files, spec.expected.classes, local ?? join(cacheRoot(), spec.type));
    checkStructure(spec, facts, local ?? join(cacheRoot(), spec.type), files.trainImages.param);
    return facts;
  }

  return defineDataset<DownloadableParams>({
    type: spec.type,
    summary: spec.summary,
    params: {
      type: 'object',
      properties: {
        dir: { type: 'string', minLength: 1, description: 'Use the four IDX files in this directory instead of the cache (checked by shapes and counts)' },
        baseUrl: { type: 'string', minLength: 1, description: `Where to download from (default: TRAINYARD_DATA_URL, else ${spec.baseUrl})` },
        download: { type: 'boolean', default: true, description: 'Download into the cache (TRAINYARD_CACHE, default ~/.cache/trainyard) when the files are not there' },
        scale: { type: 'number', exclusiveMinimum: 0, default: 1 / 255, description: 'Pixels are multiplied by this (1/255 maps bytes to [0, 1], as torchvision ToTensor)' },
      },
      additionalProperties: false,
    },
    inspect,
    async load(p, ctx) {
      const { files } = await locate(p, ctx);
      return loadIdxFiles(files, await inspect(p, ctx), p.scale);
    },
  });
}
