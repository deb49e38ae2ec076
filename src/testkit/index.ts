// The dendrites testkit: probes a test drives, like Akka's TestSource and TestSink.
export { probeSource, type ProbeSource, type ProbeOptions } from './probe-source.js';
export { probeSink, type ProbeSink } from './probe-sink.js';
