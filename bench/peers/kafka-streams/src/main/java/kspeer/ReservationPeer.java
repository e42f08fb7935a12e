package kspeer;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * Kafka Streams peer of the order saga's reservation half (app/saga-topology.ts, 'core' part, up
 * to RESERVED/REJECTED), for benchmarking the TypeScript engine against the Java original.
 *
 * <pre>
 *  [prefix]orders --parse, key=orderId--> orders-by-id (repartition) --+
 *                                                                      +--> order-saga [orderId] --> [prefix]order-status
 *  [prefix][appId]-reservation-results (loop topic) -------------------+        |
 *          ^                                                                     | RESERVE requests, key=sku
 *          |                                                                     v
 *          +---- inventory [sku] <---- reservation-requests (repartition) <------+
 *                      ^
 *  [prefix]stock --parse, key=sku--> stock-by-sku (repartition)
 * </pre>
 *
 * Like the saga, an order crosses three Kafka hops before its status: orders-by-id, requests by
 * SKU, results by orderId. The results hop is a plain topic that the app both writes and reads,
 * because the order-saga processor (and its store) takes orders and results alike.
 */
public final class ReservationPeer {
  private ReservationPeer() {}

  record Topics(String orders, String stock, String orderStatus, String reservationResults) {
    static Topics of(Options o) {
      return new Topics(
          o.prefix + "orders",
          o.prefix + "stock",
          o.prefix + "order-status",
          o.prefix + o.applicationId + "-reservation-results");
    }
  }

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("reservation-peer: " + e.getMessage());
      System.err.println(Options.USAGE);
      System.exit(2);
      return;
    }
    if (options.help) {
      System.out.println(Options.USAGE);
      return;
    }
    // Before the first logger is made (slf4j-simple reads it once).
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", options.logLevel);
    System.exit(run(options));
  }

  static void log(String message) {
    System.err.println("[ks-peer] " + message);
  }

  static int run(Options options) throws Exception {
    Topics topics = Topics.of(options);
    int partitions = ensureTopics(options, topics);
    Properties config = streamsConfig(options);
    Topology topology = buildTopology(topics, partitions, options.emitCreated, config);
    if (options.describe) System.err.println(topology.describe());

    KafkaStreams streams = new KafkaStreams(topology, config);
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean ready = new AtomicBoolean(false);
    AtomicBoolean closing = new AtomicBoolean(false);
    AtomicBoolean failed = new AtomicBoolean(false);
    long startedAt = System.currentTimeMillis();

    streams.setStateListener(
        (next, previous) -> {
          log("state " + previous + " -> " + next);
          if (next == KafkaStreams.State.RUNNING && ready.compareAndSet(false, true)) {
            log("running after " + (System.currentTimeMillis() - startedAt) + " ms");
            System.out.println("PEER READY");
            System.out.flush();
          }
          if (next == KafkaStreams.State.ERROR) {
            failed.set(true);
            stopped.countDown();
          }
          if (next == KafkaStreams.State.NOT_RUNNING) stopped.countDown();
        });
    streams.setUncaughtExceptionHandler(
        error -> {
          log("stream thread failed: " + error);
          error.printStackTrace(System.err);
          failed.set(true);
          return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });

    ScheduledExecutorService progress =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "ks-peer-progress");
              thread.setDaemon(true);
              return thread;
            });
    progress.scheduleAtFixedRate(
        () ->
            log(
                "progress t="
                    + (System.currentTimeMillis() - startedAt) / 1000
                    + "s state="
                    + streams.state()
                    + " "
                    + Counters.line()),
        options.progressIntervalMs,
        options.progressIntervalMs,
        TimeUnit.MILLISECONDS);

    Thread hook =
        new Thread(
            () -> {
              closing.set(true);
              log("closing (signal)");
              boolean clean = streams.close(Duration.ofSeconds(10));
              log((clean ? "closed" : "close timed out") + " " + Counters.line());
              stopped.countDown();
            },
            "ks-peer-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);

    streams.start();
    stopped.await();
    if (closing.get()) {
      // The shutdown hook is closing the app; let it finish, the JVM exits after it.
      return 0;
    }
    // Stopped by itself (ERROR): close, and say so by the exit code.
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException alreadyShuttingDown) {
      return 1;
    }
    streams.close(Duration.ofSeconds(10));
    log("stopped " + (failed.get() ? "after an error " : "") + Counters.line());
    return failed.get() ? 1 : 0;
  }

  static Properties streamsConfig(Options o) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, o.applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrap);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, o.processingGuarantee);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(o.commitIntervalMs));
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(o.threads));
    props.put(StreamsConfig.STATE_DIR_CONFIG, o.stateDir);
    // One broker: internal topics (repartition, changelog) with one replica.
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "1");
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class.getName());
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class.getName());
    props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    // No global stores here; only silences the 4.x start-up warning about the 5.0 default.
    props.put("processing.exception.handler.global.enabled", "true");
    for (Map.Entry<String, String> entry : o.config.entrySet()) props.put(entry.getKey(), entry.getValue());
    return props;
  }

  /**
   * Creates the input, output and loop topics if missing (idempotent). Returns the partition count
   * of the loop topic, which every repartition topic gets too: the order-saga sub-topology reads
   * orders-by-id and the loop topic, and both must be partitioned alike.
   */
  static int ensureTopics(Options o, Topics topics) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrap);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
    try (Admin admin = Admin.create(props)) {
      List<NewTopic> wanted =
          List.of(
              new NewTopic(topics.orders(), o.partitions, (short) 1),
              new NewTopic(topics.stock(), o.partitions, (short) 1),
              new NewTopic(topics.orderStatus(), o.partitions, (short) 1)
                  .configs(Map.of("cleanup.policy", "compact")),
              new NewTopic(topics.reservationResults(), o.partitions, (short) 1));
      var created = admin.createTopics(wanted).values();
      for (NewTopic topic : wanted) {
        try {
          created.get(topic.name()).get();
          log("created topic " + topic.name() + " (" + o.partitions + " partitions)");
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) throw e;
        }
      }
      Map<String, TopicDescription> described =
          describeWithRetry(
              admin,
              List.of(
                  topics.orders(),
                  topics.stock(),
                  topics.orderStatus(),
                  topics.reservationResults()));
      StringBuilder summary = new StringBuilder("topics:");
      described.forEach(
          (name, d) -> summary.append(' ').append(name).append('=').append(d.partitions().size()));
      log(summary.toString());
      int loop = described.get(topics.reservationResults()).partitions().size();
      if (loop != o.partitions)
        log("note: " + topics.reservationResults() + " already has " + loop
            + " partitions; repartition topics use " + loop);
      return loop;
    }
  }

  /**
   * Describes topics, retrying for up to 60 s while the broker does not know them yet (just
   * created, or the broker is restarting and still loading its partitions).
   */
  static Map<String, TopicDescription> describeWithRetry(Admin admin, List<String> names)
      throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (true) {
      try {
        return admin.describeTopics(names).allTopicNames().get();
      } catch (ExecutionException e) {
        boolean retriable =
            e.getCause() instanceof RetriableException
                || e.getCause() instanceof UnknownTopicOrPartitionException;
        if (!retriable || System.currentTimeMillis() > deadline) throw e;
        log("describing topics: " + e.getCause().getMessage() + " (retrying)");
        Thread.sleep(500);
      }
    }
  }

  static Topology buildTopology(
      Topics topics, int partitions, boolean emitCreated, Properties config) {
    Serde<String> string = Serdes.String();
    Serde<JsonNode> json = Json.serde();
    StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(config)));
    for (String store :
        List.of(
            OrderSagaProcessor.STORE,
            InventoryProcessor.STOCK_STORE,
            InventoryProcessor.RESERVATIONS_STORE)) {
      builder.addStateStore(
          Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store), string, json));
    }

    // Order saga [orderId]: orders (re-keyed: producers may omit the key) + reservation results.
    KStream<String, JsonNode> orders =
        builder
            .stream(topics.orders(), Consumed.with(string, string).withName("orders-source"))
            .flatMap(Inputs::order, Named.as("orders-parse"))
            .repartition(
                Repartitioned.<String, JsonNode>as("orders-by-id")
                    .withKeySerde(string)
                    .withValueSerde(json)
                    .withNumberOfPartitions(partitions));
    KStream<String, JsonNode> results =
        builder.stream(
            topics.reservationResults(),
            Consumed.with(string, json).withName("reservation-results-source"));
    KStream<String, JsonNode> saga =
        orders
            .merge(results, Named.as("order-saga-inputs"))
            .process(
                () -> new OrderSagaProcessor(emitCreated),
                Named.as("order-saga"),
                OrderSagaProcessor.STORE);
    saga.filter((key, value) -> value.has("status"), Named.as("order-saga-status"))
        .to(topics.orderStatus(), Produced.with(string, json).withName("order-status-sink"));
    KStream<String, JsonNode> requests =
        saga.filter((key, value) -> value.has("action"), Named.as("order-saga-requests"))
            .repartition(
                Repartitioned.<String, JsonNode>as("reservation-requests")
                    .withKeySerde(string)
                    .withValueSerde(json)
                    .withNumberOfPartitions(partitions));

    // Inventory [sku]: every decision for a SKU is made by the one task owning its partition.
    KStream<String, JsonNode> stock =
        builder
            .stream(topics.stock(), Consumed.with(string, string).withName("stock-source"))
            .flatMap(Inputs::stock, Named.as("stock-parse"))
            .repartition(
                Repartitioned.<String, JsonNode>as("stock-by-sku")
                    .withKeySerde(string)
                    .withValueSerde(json)
                    .withNumberOfPartitions(partitions));
    requests
        .merge(stock, Named.as("inventory-inputs"))
        .process(
            InventoryProcessor::new,
            Named.as("inventory"),
            InventoryProcessor.STOCK_STORE,
            InventoryProcessor.RESERVATIONS_STORE)
        .to(
            topics.reservationResults(),
            Produced.with(string, json).withName("reservation-results-sink"));
    return builder.build();
  }
}
