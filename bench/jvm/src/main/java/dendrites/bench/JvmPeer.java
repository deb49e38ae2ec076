package dendrites.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The JVM peer of the e2e benchmark: what a JVM team would write for the same job.
 *
 * <p>kafka-clients consumer (auto commit off, the same fetch bounds as dendrites), Avro decoding
 * with the same schema (schemas/command.avsc), the same validation as the baseline, and per
 * command the same two logged batches as bench/e2e/common.ts (the service write and the
 * event-log write, the same CQL, prepared once) with the Apache Cassandra Java driver, at most
 * {@code --concurrency} commands in flight (two statements each). An offset is committed only
 * after both writes of every record up to it in its partition were acknowledged.
 *
 * <p>Prints one JSON line (the e2e harness's ChildResult) last on stdout.
 */
public final class JvmPeer {
  private static final long HOUR = 3_600_000L;
  private static final String LOG_COLUMNS =
      "bucket, event_id, delivery_id, aggregate_id, parent, action, data, event_time, kafka_topic, kafka_partition, kafka_offset, kafka_timestamp";

  /** Records of one partition in flight, in offset order; what may be committed. */
  static final class Tracker {
    private final ArrayDeque<long[]> pending = new ArrayDeque<>(); // {offset, done 0/1}
    private final Map<Long, long[]> byOffset = new HashMap<>();
    private long committable = -1; // next offset to commit, -1 = none yet
    private long committed = -1;

    synchronized void add(long offset) {
      long[] e = {offset, 0};
      pending.addLast(e);
      byOffset.put(offset, e);
    }

    synchronized void complete(long offset) {
      long[] e = byOffset.remove(offset);
      if (e != null) e[1] = 1;
      while (!pending.isEmpty() && pending.peekFirst()[1] == 1) committable = pending.pollFirst()[0] + 1;
    }

    /** The offset to commit now, or -1 when nothing new is done. */
    synchronized long take() {
      if (committable > committed) {
        committed = committable;
        return committable;
      }
      return -1;
    }
  }

  private static String arg(Map<String, String> args, String name) {
    String v = args.get(name);
    if (v == null) throw new IllegalArgumentException("missing --" + name);
    return v;
  }

  private static String json(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
        }
      }
    }
    return b.append('"').toString();
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static double peakRssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
          return Math.round(kb / 1024.0 * 10) / 10.0;
        }
      }
    } catch (Exception ignored) {
      // not Linux
    }
    return -1;
  }

  private static Double percentile(double[] sorted, int n, double p) {
    if (n == 0) return null;
    int i = (int) Math.min(n - 1, Math.max(0, Math.ceil(p / 100 * n) - 1));
    return Math.round(sorted[i] * 10) / 10.0;
  }

  private static String str(Object o) {
    return o == null ? null : (o instanceof Utf8 u ? u.toString() : o.toString());
  }

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new HashMap<>();
    for (int i = 0; i + 1 < argv.length; i += 2) args.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
    final int commands = Integer.parseInt(arg(args, "commands"));
    final int concurrency = Integer.parseInt(args.getOrDefault("concurrency", "128"));
    final String keyspace = arg(args, "keyspace");
    final String topic = arg(args, "topic");
    final int maxBytesPerPartition = Integer.parseInt(args.getOrDefault("max-bytes-per-partition", "65536"));
    final int maxBytes = Integer.parseInt(args.getOrDefault("max-bytes", "262144"));

    Schema schema = new Schema.Parser().parse(new File(arg(args, "schema")));
    GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(schema);

    DriverConfigLoader loader =
        DriverConfigLoader.programmaticBuilder()
            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(60))
            .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(10))
            .build();
    var sessionBuilder = CqlSession.builder().withConfigLoader(loader).withLocalDatacenter(arg(args, "local-dc"));
    for (String cp : arg(args, "contact-points").split(",")) {
      int colon = cp.lastIndexOf(':');
      sessionBuilder.addContactPoint(new InetSocketAddress(colon < 0 ? cp : cp.substring(0, colon), colon < 0 ? 9042 : Integer.parseInt(cp.substring(colon + 1))));
    }

    try (CqlSession session = sessionBuilder.build()) {
      // The accounts the service knows (what the domain reads when it starts).
      Set<String> accounts = new HashSet<>();
      ResultSet rs = session.execute(SimpleStatement.newInstance("SELECT account_id FROM " + keyspace + ".accounts").setPageSize(5000));
      for (Row row : rs) accounts.add(row.getString(0));

      // The same CQL as bench/e2e/common.ts transferCql.
      String markers = String.join(", ", java.util.Collections.nCopies(LOG_COLUMNS.split(",").length, "?"));
      String journal =
          "INSERT INTO " + keyspace + ".dendrites_journal (command_id, kind, delivery_id, bucket, command, kafka_topic, kafka_partition, kafka_offset, written_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?); "
              + "INSERT INTO " + keyspace + ".dendrites_journal_by_bucket (bucket, command_id, kind, delivery_id) VALUES (?, ?, ?, ?)";
      PreparedStatement service =
          session.prepare(
              "BEGIN BATCH INSERT INTO " + keyspace + ".ledger_entries (account, entry_id, command_id, amount) VALUES (?, ?, ?, ?); "
                  + "INSERT INTO " + keyspace + ".ledger_entries (account, entry_id, command_id, amount) VALUES (?, ?, ?, ?); " + journal + "; APPLY BATCH");
      PreparedStatement log =
          session.prepare(
              "BEGIN BATCH INSERT INTO " + keyspace + ".event_log (" + LOG_COLUMNS + ") VALUES (" + markers + "); "
                  + "INSERT INTO " + keyspace + ".event_log_by_aggregate (" + LOG_COLUMNS + ") VALUES (" + markers + "); " + journal + "; APPLY BATCH");

      Properties props = new Properties();
      props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, arg(args, "brokers"));
      props.put(ConsumerConfig.GROUP_ID_CONFIG, arg(args, "group"));
      props.put(ConsumerConfig.CLIENT_ID_CONFIG, "e2e-jvm");
      props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(maxBytesPerPartition));
      props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(maxBytes));
      props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
      props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());

      final Semaphore slots = new Semaphore(concurrency);
      final AtomicInteger done = new AtomicInteger();
      final AtomicReference<Throwable> failure = new AtomicReference<>();
      final double[] samples = new double[commands / 8 + 64];
      final AtomicInteger sampleCount = new AtomicInteger();
      final long[] lastAt = {0};
      final Object finished = new Object();
      final Map<TopicPartition, Tracker> trackers = new ConcurrentHashMap<>();
      long firstAt = 0;
      long firstCpu = 0;
      BinaryDecoder decoder = null;

      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
        consumer.subscribe(List.of(topic));
        while (done.get() < commands) {
          if (failure.get() != null) throw new RuntimeException("a write failed", failure.get());
          ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(50));
          final long arrived = System.nanoTime();
          if (!records.isEmpty() && firstAt == 0) {
            firstAt = arrived;
            firstCpu = processCpuNanos();
          }
          for (TopicPartition tp : records.partitions()) {
            Tracker tracker = trackers.computeIfAbsent(tp, k -> new Tracker());
            for (ConsumerRecord<byte[], byte[]> m : records.records(tp)) {
              decoder = DecoderFactory.get().binaryDecoder(m.value(), decoder);
              GenericRecord c = reader.read(null, decoder);
              GenericRecord d = (GenericRecord) c.get("data");
              String id = str(c.get("id"));
              String action = str(c.get("action"));
              String from = str(d.get("from_account"));
              String to = str(d.get("to_account"));
              Long amount = (Long) d.get("amount");
              if (!"transfer-money".equals(action) || from == null || to == null || amount == null || amount <= 0 || !accounts.contains(from) || !accounts.contains(to)) {
                throw new IllegalStateException("bad command " + id + " at " + tp + "/" + m.offset() + ": the bench produces none");
              }
              long timestamp = (Long) c.get("timestamp");

              UUID deliveryId = Uuids.timeBased();
              Instant bucket = Instant.ofEpochMilli(Math.floorDiv(m.timestamp(), HOUR) * HOUR);
              String stored = "{\"id\":" + json(id) + ",\"action\":\"transfer-money\",\"timestamp\":" + timestamp + ",\"from_account\":" + json(from) + ",\"to_account\":" + json(to) + ",\"amount\":" + amount + "}";
              Instant writtenAt = Instant.now();
              String delivery = deliveryId.toString();
              BoundStatement s =
                  service.bind(
                      from, id + ":" + delivery + ":debit", id, -amount,
                      to, id + ":" + delivery + ":credit", id, amount,
                      id, "applied", deliveryId, bucket, stored, tp.topic(), tp.partition(), m.offset(), writtenAt,
                      bucket, id, "applied", deliveryId);
              String data = "{\"from_account\":" + json(from) + ",\"to_account\":" + json(to) + ",\"amount\":" + amount + "}";
              Instant eventTime = Instant.ofEpochMilli(timestamp);
              Instant kafkaTimestamp = Instant.ofEpochMilli(m.timestamp());
              Object[] row = {bucket, id, deliveryId, from, id, "money-transferred", data, eventTime, tp.topic(), tp.partition(), m.offset(), kafkaTimestamp};
              Object[] logParams = Arrays.copyOf(row, 12 + 12 + 13);
              System.arraycopy(row, 0, logParams, 12, 12);
              Object[] journalRow = {id, "logged", deliveryId, bucket, null, tp.topic(), tp.partition(), m.offset(), writtenAt, bucket, id, "logged", deliveryId};
              System.arraycopy(journalRow, 0, logParams, 24, 13);
              BoundStatement l = log.bind(logParams);

              slots.acquire();
              final long offset = m.offset();
              final boolean sampled = id.charAt(id.length() - 1) == '0';
              tracker.add(offset);
              CompletableFuture.allOf(session.executeAsync(s).toCompletableFuture(), session.executeAsync(l).toCompletableFuture())
                  .whenComplete(
                      (ok, error) -> {
                        if (error != null) {
                          failure.compareAndSet(null, error);
                        } else {
                          long now = System.nanoTime();
                          tracker.complete(offset);
                          if (sampled) {
                            int k = sampleCount.getAndIncrement();
                            if (k < samples.length) samples[k] = (now - arrived) / 1e6;
                          }
                          if (done.incrementAndGet() >= commands) {
                            synchronized (finished) {
                              lastAt[0] = now;
                              finished.notifyAll();
                            }
                          }
                        }
                        slots.release();
                      });
            }
          }
          commit(consumer, trackers, false);
        }
        synchronized (finished) {
          while (lastAt[0] == 0) finished.wait(100);
        }
        long windowCpu = processCpuNanos() - firstCpu;
        commit(consumer, trackers, true);
        double ms = (lastAt[0] - firstAt) / 1e6;
        int n = Math.min(sampleCount.get(), samples.length);
        double[] sorted = Arrays.copyOf(samples, n);
        Arrays.sort(sorted);
        long cpuMs = processCpuNanos() / 1_000_000;
        StringBuilder out = new StringBuilder("{");
        out.append("\"contender\":\"jvm\",\"commands\":").append(commands);
        out.append(",\"ms\":").append(Math.round(ms));
        out.append(",\"commandsPerSec\":").append(Math.round(commands / ms * 1000));
        out.append(",\"p50Ms\":").append(percentile(sorted, n, 50));
        out.append(",\"p99Ms\":").append(percentile(sorted, n, 99));
        out.append(",\"latencySamples\":").append(n);
        out.append(",\"peakRssMb\":").append(peakRssMb());
        out.append(",\"cpuMs\":").append(cpuMs);
        out.append(",\"windowCpuMs\":").append(Math.round(windowCpu / 1e6));
        out.append(",\"note\":").append(json("kafka-clients " + args.getOrDefault("kafka-version", "") + " + java-driver-core " + args.getOrDefault("driver-version", "") + " + avro, Java " + Runtime.version().feature() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs seen; " + concurrency + " commands (" + 2 * concurrency + " writes) in flight; fetch " + maxBytesPerPartition / 1024 + " KiB per partition / " + maxBytes / 1024 + " KiB per fetch"));
        out.append("}");
        System.out.println(out);
      }
    }
    System.exit(0);
  }

  /** Commits, per partition, the offset after the last record whose writes and every earlier record's writes are done. */
  private static void commit(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Tracker> trackers, boolean sync) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (Map.Entry<TopicPartition, Tracker> e : trackers.entrySet()) {
      long next = e.getValue().take();
      if (next >= 0) offsets.put(e.getKey(), new OffsetAndMetadata(next));
    }
    if (sync) {
      // Everything done: commit the final positions of every partition, whatever was sent before.
      Map<TopicPartition, OffsetAndMetadata> all = new HashMap<>();
      for (Map.Entry<TopicPartition, Tracker> e : trackers.entrySet()) {
        long c = e.getValue().committed;
        if (c >= 0) all.put(e.getKey(), new OffsetAndMetadata(c));
      }
      consumer.commitSync(all);
    } else if (!offsets.isEmpty()) {
      consumer.commitAsync(offsets, null);
    }
  }
}
