package kspeer;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The engine-vs-engine peer: an exactly-once count by key (stream → groupByKey → count → to), the
 * same topology bench/count runs on our engine, over the same input topic. Prints "PEER READY" when
 * RUNNING; the harness times it by the group's committed offsets.
 *
 *   java -cp reservation-peer.jar kspeer.CountPeer --bootstrap H:P --application-id ID
 *        --input T --output T [--commit-interval-ms 100] [--state-dir D] [--config K=V]...
 */
public final class CountPeer {
  private CountPeer() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    Properties extra = new Properties();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (args[i].equals("--config")) {
        String[] kv = args[i + 1].split("=", 2);
        extra.put(kv[0], kv[1]);
      } else options.put(args[i], args[i + 1]);
    }
    for (String required : new String[] {"--application-id", "--input", "--output"})
      if (!options.containsKey(required)) {
        System.err.println("count-peer: " + required + " is required");
        System.exit(2);
      }
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, options.get("--application-id"));
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, options.getOrDefault("--bootstrap", "127.0.0.1:19092"));
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, options.getOrDefault("--commit-interval-ms", "100"));
    props.put(StreamsConfig.STATE_DIR_CONFIG, options.getOrDefault("--state-dir", "/tmp/ks-count-peer"));
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "1");
    props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    props.put("processing.exception.handler.global.enabled", "true");
    props.putAll(extra);

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(options.get("--input"), Consumed.with(Serdes.String(), Serdes.String()))
        .groupByKey()
        .count(Materialized.as("counts"))
        .toStream()
        .to(options.get("--output"), Produced.with(Serdes.String(), Serdes.Long()));

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    CountDownLatch stopped = new CountDownLatch(1);
    streams.setStateListener(
        (next, previous) -> {
          if (next == KafkaStreams.State.RUNNING) {
            System.out.println("PEER READY");
            System.out.flush();
          }
          if (next == KafkaStreams.State.ERROR || next == KafkaStreams.State.NOT_RUNNING) stopped.countDown();
        });
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> streams.close(Duration.ofSeconds(10)), "count-peer-shutdown"));
    streams.start();
    stopped.await();
  }
}
