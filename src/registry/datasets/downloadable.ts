// MNIST-format datasets that are downloaded once into a cache and verified against the md5
// checksums torchvision publishes; a local directory can stand in for the download. inspect only
// reads headers: it never downloads, and for data not yet here it answers from the spec's shapes.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { defineDataset, PluginInputError, type DataFacts, type DatasetContext, type LoadedData } from '../kinds.js';
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
  /** Size in bytes of each published .gz file: a download is cut off past it. */
  bytes: Record<FileKey, number>;
  /** Directories searched before the cache (e.g. what a system package installs). */
  systemDirs?: string[];
  /** What a local directory must hold: checked by structure, since repacked files have other checksums. */
  expected: { trainSize: number; testSize: number; sampleShape: number[]; classes: number };
}

/** TRAINYARD_CACHE, or ~/.cache/trainyard. */
export const cacheRoot = (): string => process.env.TRAINYARD_CACHE ?? join(homedir(), '.cache', 'trainyard');

/** The four files found in dir (each raw or .gz); a key is missing when its file is not there. */
async function filesIn(dir: string): Promise<Partial<Record<FileKey, string>>> {
  const found: Partial<Record<FileKey, string>> = {};
  for (const key of FILES) {
    const file = await findFile(dir, STANDARD_NAMES[key]);
    if (file) found[key] = file;
  }
  return found;
}

const complete = (files: Partial<Record<FileKey, string>>): files is Record<FileKey, string> => FILES.every((k) => files[k] !== undefined);

const withParam = (files: Record<FileKey, string>, param: string): IdxFiles =>
  Object.fromEntries(FILES.map((k) => [k, { path: files[k], param }])) as IdxFiles;

/** A local directory must hold exactly the published dataset's shapes and counts. */
function checkStructure(spec: DownloadableSpec, facts: DataFacts, dir: string, param: string): void {
  const { expected } = spec;
  const got = `${facts.trainSize}/${facts.testSize} samples of [${facts.sampleShape.join(', ')}]`;
  const want = `${expected.trainSize}/${expected.testSize} samples of [${expected.sampleShape.join(', ')}]`;
  if (got !== want) throw new PluginInputError(`${dir} does not hold ${spec.type}: it has ${got}, ${spec.type} has ${want}`, param);
}

/** Where the data is: all four files in one place, or what is still to be downloaded into the cache. */
type Location = { present: true; files: IdxFiles; dir: string } | { present: false; cache: string; missing: FileKey[]; baseUrl: string; param: string };

export function downloadableDataset(spec: DownloadableSpec) {
  const cacheDir = () => join(cacheRoot(), spec.type);

  /** The dir param, else a system directory, else the cache; nothing is downloaded here. */
  async function locate(p: DownloadableParams, ctx: DatasetContext): Promise<Location> {
    if (p.dir !== undefined) {
      const dir = resolve(ctx.baseDir, p.dir);
      if (!(await exists(dir))) throw new PluginInputError(`directory not found: ${dir}`, 'dir');
      const files = await filesIn(dir);
      if (!complete(files)) throw new PluginInputError(`${dir} must hold ${FILES.map((k) => `${STANDARD_NAMES[k]}[.gz]`).join(', ')}`, 'dir');
      return { present: true, files: withParam(files, 'dir'), dir };
    }
    for (const dir of spec.systemDirs ?? []) {
      const files = await filesIn(dir);
      if (complete(files)) return { present: true, files: withParam(files, 'type'), dir };
    }
    const cache = cacheDir();
    const cached = await filesIn(cache);
    if (complete(cached)) return { present: true, files: withParam(cached, 'type'), dir: cache };
    if (!p.download) {
      throw new PluginInputError(
        `${spec.type} is not in the cache (${cache}) and download is false: put ${FILES.map((k) => `${STANDARD_NAMES[k]}.gz`).join(', ')} there, or name a directory with dir`,
        'download',
      );
    }
    const baseUrl = (p.baseUrl ?? process.env.TRAINYARD_DATA_URL ?? spec.baseUrl).replace(/\/?$/, '/');
    return { present: false, cache, missing: FILES.filter((k) => cached[k] === undefined), baseUrl, param: p.baseUrl !== undefined ? 'baseUrl' : 'type' };
  }

  /** Downloads the missing files into the cache, each capped at its published size and verified. */
  async function download(where: Extract<Location, { present: false }>): Promise<void> {
    for (const key of where.missing) {
      const name = `${STANDARD_NAMES[key]}.gz`;
      try {
        await downloadVerified(`${where.baseUrl}${name}`, join(where.cache, name), {
          md5: spec.md5[key],
          maxBytes: spec.bytes[key],
          onProgress: terminalProgress(`${spec.type} ${name}`),
        });
      } catch (error) {
        if (!(error instanceof DownloadError)) throw error;
        throw new PluginInputError(`${error.message}. Offline, put the four .gz files in ${where.cache} (or set TRAINYARD_CACHE), or name a directory with dir`, where.param);
      }
    }
  }

  /** Facts from the four headers, checked against the published shapes. */
  async function inspectFiles(files: IdxFiles, dir: string): Promise<DataFacts> {
    const facts = await inspectIdxFiles(files, spec.expected.classes, dir);
    checkStructure(spec, facts, dir, files.trainImages.param);
    return facts;
  }

  /** What run would download, for data that is not here yet: the published shapes, and a note. */
  function toBeDownloaded(where: Extract<Location, { present: false }>): DataFacts {
    const { trainSize, testSize, sampleShape, classes } = spec.expected;
    const bytes = where.missing.reduce((sum, k) => sum + spec.bytes[k], 0);
    const places = [...(spec.systemDirs ?? []), where.cache].join(' or ');
    const count = `${where.missing.length} file${where.missing.length === 1 ? '' : 's'}`;
    return {
      sampleShape,
      classes,
      trainSize,
      testSize,
      source: where.cache,
      notes: [`${spec.type}: not in ${places}; trainyard run downloads ${count} (${(bytes / 1e6).toFixed(1)} MB) from ${where.baseUrl}`],
    };
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
    async inspect(p, ctx) {
      const where = await locate(p, ctx);
      return where.present ? inspectFiles(where.files, where.dir) : toBeDownloaded(where);
    },
    async load(p, ctx): Promise<LoadedData> {
      let where = await locate(p, ctx);
      if (!where.present) {
        await download(where);
        where = await locate(p, ctx);
        if (!where.present) throw new PluginInputError(`${spec.type}: the files downloaded into ${cacheDir()} are gone`, 'type');
      }
      return loadIdxFiles(where.files, await inspectFiles(where.files, where.dir), p.scale);
    },
  });
}
