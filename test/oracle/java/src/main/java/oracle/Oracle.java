package oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.test.TestRecord;

/**
 * Kafka Streams as the oracle (issue 12, item 7). Reads the cases file (argument 1), builds each
 * case's reference topology with Kafka Streams' DSL, runs its steps in Kafka Streams' own
 * TopologyTestDriver and prints one JSON document to stdout:
 * {caseName: {outputs: {topic: [{key, value, timestamp}]}, describe: "..."}}.
 *
 * The same topologies are built on our DSL in test/unit/oracle/oracle-topologies.ts: keep the two
 * in step (same operators, same order, so generated names match).
 */
public final class Oracle {
  private static final Consumed<String, String> STRINGS = Consumed.with(Serdes.String(), Serdes.String());
  private static final Produced<String, String> OUT_STRING = Produced.with(Serdes.String(), Serdes.String());
  private static final Produced<String, Long> OUT_LONG = Produced.with(Serdes.String(), Serdes.Long());

  private static String show(String value) {
    return value == null ? "null" : value;
  }

  private static <V> KStream<String, V> unwindow(KTable<Windowed<String>, V> table) {
    return table
        .toStream()
        .map((wk, v) -> KeyValue.pair(wk.key() + "@" + wk.window().start() + "/" + wk.window().end(), v));
  }

  static Topology build(String name) {
    StreamsBuilder b = new StreamsBuilder();
    JoinWindows joinWindows = JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(100), Duration.ofMillis(50));
    TimeWindows tumbling = TimeWindows.ofSizeAndGrace(Duration.ofMillis(100), Duration.ofMillis(50));
    TimeWindows hopping =
        TimeWindows.ofSizeAndGrace(Duration.ofMillis(100), Duration.ofMillis(20)).advanceBy(Duration.ofMillis(50));
    SessionWindows sessions = SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(50), Duration.ofMillis(20));
    switch (name) {
      case "stream-table-join" -> b.stream("left", STRINGS)
          .join(b.table("right", STRINGS), (l, r) -> l + "+" + r)
          .to("out", OUT_STRING);
      case "stream-table-left-join" -> b.stream("left", STRINGS)
          .leftJoin(b.table("right", STRINGS), (l, r) -> l + "+" + show(r))
          .to("out", OUT_STRING);
      case "table-table-join" -> b.table("left", STRINGS)
          .join(b.table("right", STRINGS), (l, r) -> l + "+" + r)
          .toStream()
          .to("out", OUT_STRING);
      case "table-table-left-join" -> b.table("left", STRINGS)
          .leftJoin(b.table("right", STRINGS), (l, r) -> l + "+" + show(r))
          .toStream()
          .to("out", OUT_STRING);
      case "table-table-outer-join" -> b.table("left", STRINGS)
          .outerJoin(b.table("right", STRINGS), (l, r) -> show(l) + "+" + show(r))
          .toStream()
          .to("out", OUT_STRING);
      case "stream-stream-join" -> b.stream("left", STRINGS)
          .join(b.stream("right", STRINGS), (l, r) -> l + "+" + r, joinWindows)
          .to("out", OUT_STRING);
      case "stream-stream-left-join" -> b.stream("left", STRINGS)
          .leftJoin(b.stream("right", STRINGS), (l, r) -> l + "+" + show(r), joinWindows)
          .to("out", OUT_STRING);
      case "stream-stream-outer-join" -> b.stream("left", STRINGS)
          .outerJoin(b.stream("right", STRINGS), (l, r) -> show(l) + "+" + show(r), joinWindows)
          .to("out", OUT_STRING);
      case "tumbling-count" -> unwindow(b.stream("input", STRINGS).groupByKey().windowedBy(tumbling).count())
          .to("out", OUT_LONG);
      case "tumbling-count-on-close" -> unwindow(b.stream("input", STRINGS)
              .groupByKey()
              .windowedBy(tumbling)
              .emitStrategy(EmitStrategy.onWindowClose())
              .count())
          .to("out", OUT_LONG);
      case "hopping-count" -> unwindow(b.stream("input", STRINGS).groupByKey().windowedBy(hopping).count())
          .to("out", OUT_LONG);
      case "hopping-count-on-close" -> unwindow(b.stream("input", STRINGS)
              .groupByKey()
              .windowedBy(hopping)
              .emitStrategy(EmitStrategy.onWindowClose())
              .count())
          .to("out", OUT_LONG);
      case "session-count" -> unwindow(b.stream("input", STRINGS).groupByKey().windowedBy(sessions).count())
          .to("out", OUT_LONG);
      case "session-count-on-close" -> unwindow(b.stream("input", STRINGS)
              .groupByKey()
              .windowedBy(sessions)
              .emitStrategy(EmitStrategy.onWindowClose())
              .count())
          .to("out", OUT_LONG);
      case "stream-group-by-count" -> b.stream("input", STRINGS)
          .groupBy((k, v) -> v, Grouped.with(Serdes.String(), Serdes.String()))
          .count()
          .toStream()
          .to("out", OUT_LONG);
      case "select-key-stream-table-join" -> b.stream("left", STRINGS)
          .selectKey((k, v) -> v)
          .join(b.table("right", STRINGS), (l, r) -> l + "+" + r)
          .to("out", OUT_STRING);
      case "select-key-stream-stream-join" -> b.stream("left", STRINGS)
          .selectKey((k, v) -> v)
          .join(b.stream("right", STRINGS).selectKey((k, v) -> v), (l, r) -> l + "+" + r, joinWindows)
          .to("out", OUT_STRING);
      case "named-select-key-stream-stream-left-join" -> b.stream("left", STRINGS)
          .selectKey((k, v) -> v)
          .leftJoin(
              b.stream("right", STRINGS),
              (l, r) -> l + "+" + show(r),
              joinWindows,
              StreamJoined.with(Serdes.String(), Serdes.String(), Serdes.String()).withName("ss"))
          .to("out", OUT_STRING);
      case "named-select-key-stream-stream-outer-join" -> b.stream("left", STRINGS)
          .selectKey((k, v) -> v)
          .outerJoin(
              b.stream("right", STRINGS),
              (l, r) -> show(l) + "+" + show(r),
              joinWindows,
              StreamJoined.with(Serdes.String(), Serdes.String(), Serdes.String()).withName("oj"))
          .to("out", OUT_STRING);
      default -> throw new IllegalArgumentException("Unknown topology " + name);
    }
    return b.build();
  }

  public static void main(String[] args) throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode cases = json.readTree(Files.readString(new File(args[0]).toPath())).get("cases");
    ObjectNode result = json.createObjectNode();
    for (JsonNode c : cases) {
      result.set(c.get("name").asText(), run(json, c));
    }
    System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(result));
  }

  private static ObjectNode run(ObjectMapper json, JsonNode c) throws Exception {
    Topology topology = build(c.get("topology").asText());
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "oracle");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
    // Our engine has no record cache: every update is forwarded, as with a zero-byte cache.
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "0");
    // Stores whose serdes the DSL does not pass on (stream-stream join buffers) use the defaults;
    // our streams carry their serdes into those stores.
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    // Kafka Streams throttles emit-on-window-close and the left/outer join's delayed (value, null)
    // results by wall clock (at most once a second); our engine does not throttle. Internal
    // configs: 0 makes Kafka Streams emit as soon as stream time closes a window.
    props.put("__emit.interval.ms.kstreams.windowed.aggregation__", 0L);
    props.put("__emit.interval.ms.kstreams.outer.join.spurious.results.fix__", 0L);
    props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("oracle-").toString());
    ObjectNode out = json.createObjectNode();
    try (TopologyTestDriver driver = new TopologyTestDriver(topology, props, Instant.ofEpochMilli(0))) {
      Map<String, TestInputTopic<String, String>> inputs = new HashMap<>();
      Map<String, TestOutputTopic<String, ?>> outputs = new HashMap<>();
      Iterator<Map.Entry<String, JsonNode>> fields = c.get("outputs").fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        Deserializer<?> values =
            f.getValue().asText().equals("long") ? new LongDeserializer() : new StringDeserializer();
        outputs.put(f.getKey(), driver.createOutputTopic(f.getKey(), new StringDeserializer(), values));
      }
      for (JsonNode step : c.get("steps")) {
        if (step.has("advanceWallClockMs")) {
          driver.advanceWallClockTime(Duration.ofMillis(step.get("advanceWallClockMs").asLong()));
          continue;
        }
        String topic = step.get("topic").asText();
        TestInputTopic<String, String> in = inputs.computeIfAbsent(
            topic, t -> driver.createInputTopic(t, new StringSerializer(), new StringSerializer()));
        JsonNode value = step.get("value");
        JsonNode key = step.get("key");
        in.pipeInput(
            key == null || key.isNull() ? null : key.asText(),
            value == null || value.isNull() ? null : value.asText(),
            step.get("timestamp").asLong());
      }
      ObjectNode topics = json.createObjectNode();
      fields = c.get("outputs").fields();
      while (fields.hasNext()) {
        String topic = fields.next().getKey();
        ArrayNode records = json.createArrayNode();
        for (TestRecord<String, ?> r : outputs.get(topic).readRecordsToList()) {
          ObjectNode rec = json.createObjectNode();
          rec.put("key", r.key());
          Object v = r.value();
          if (v == null) rec.putNull("value");
          else if (v instanceof Long l) rec.put("value", l);
          else rec.put("value", (String) v);
          rec.put("timestamp", r.timestamp());
          records.add(rec);
        }
        topics.set(topic, records);
      }
      out.set("outputs", topics);
    }
    out.put("describe", topology.describe().toString());
    return out;
  }
}
