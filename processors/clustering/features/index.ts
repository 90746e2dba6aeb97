// Text features for clustering: normalisation, tokenising (English and Chinese), TF-IDF
// and the randomized-SVD projection, bundled as a FeatureModel that is fitted once on a
// reference window and then transforms any texts into the same space.
export { normaliseText, maskAttributeValues, PLACEHOLDERS } from './normalise.ts';
export type { Placeholder } from './normalise.ts';
export { tokenise, analyse, isCjkText } from './tokenise.ts';
export type { TextUnit, UnitKind, AnalyseOptions, TokeniseOptions } from './tokenise.ts';
export { porterStem } from './stemmer.ts';
export { ENGLISH_STOP_WORDS, CHINESE_STOP_PHRASES, CHINESE_STOP_CHARS } from './stop-words.ts';
export { TfidfVectoriser, DEFAULT_VECTORISER_OPTIONS } from './vectoriser.ts';
export type { VectoriserOptions, ResolvedVectoriserOptions, VectoriserState } from './vectoriser.ts';
export { randomizedSvd, rightSingularVectors } from './svd.ts';
export type { SvdOptions, SvdProjection } from './svd.ts';
export type { CsrMatrix } from './sparse.ts';
export { FeatureModel, DEFAULT_DIMS, DEFAULT_MAX_FIT_TEXTS, DEFAULT_SINGULAR_VALUE_POWER } from './feature-model.ts';
export type { FeatureOptions, Embedding, LatentSpace } from './feature-model.ts';
