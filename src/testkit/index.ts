/**
 * `dendrites/testkit`: probes a test drives, like Akka's TestSource and TestSink: a source
 * that emits what the test sends when the graph pulls, and a sink that pulls only what the
 * test requests.
 *
 * @module dendrites/testkit
 */
export { probeSource, type ProbeSource, type ProbeOptions } from './probe-source.js';
export { probeSink, type ProbeSink } from './probe-sink.js';
