export {
  flattenTraces,
  byTrace,
  attributeMap,
  SpanKind,
  type FlatSpan,
  type FlatEvent,
  type AttributeValue,
  type OtlpTraces,
} from './trace';
export { JaegerClient, type JaegerQuery } from './query';
