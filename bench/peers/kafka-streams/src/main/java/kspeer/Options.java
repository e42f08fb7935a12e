package kspeer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Command-line flags: `--name value` or `--name=value`. */
final class Options {
  static final String USAGE =
      String.join(
          "\n",
          "Usage: java -jar reservation-peer.jar [flags]",
          "",
          "Kafka Streams peer of the order saga's reservation half (benchmark only).",
          "Reads <prefix>orders and <prefix>stock, writes <prefix>order-status.",
          "",
          "Flags:",
          "  --bootstrap HOST:PORT          Kafka bootstrap servers [127.0.0.1:19092]",
          "  --application-id ID            application.id (consumer group, internal topic prefix) [ks-peer]",
          "  --prefix P                     prefix of the input/output topic names [\"\"]",
          "  --commit-interval-ms N         commit.interval.ms [100]",
          "  --threads N                    num.stream.threads [1]",
          "  --processing-guarantee G       exactly_once_v2 | at_least_once [exactly_once_v2]",
          "  --state-dir DIR                state.dir (RocksDB stores) [/tmp/ks-peer-state]",
          "  --partitions N                 partitions of the topics created if missing [3]",
          "  --emit-created                 also emit the CREATED status when an order arrives, as the",
          "                                 TypeScript saga does (off by default)",
          "  --config KEY=VALUE             any extra Kafka Streams / client property (repeatable)",
          "  --log-level LEVEL              slf4j-simple level: error|warn|info|debug [warn]",
          "  --progress-interval-ms N       progress line period on stderr [5000]",
          "  --describe                     print the topology to stderr before starting",
          "  --help                         this text",
          "",
          "Prints exactly one line 'PEER READY' on stdout when the app reaches RUNNING;",
          "everything else goes to stderr. SIGTERM closes the app cleanly (10 s).");

  private static final Set<String> VALUED =
      Set.of(
          "--bootstrap",
          "--application-id",
          "--prefix",
          "--commit-interval-ms",
          "--threads",
          "--processing-guarantee",
          "--state-dir",
          "--partitions",
          "--config",
          "--log-level",
          "--progress-interval-ms");

  String bootstrap = "127.0.0.1:19092";
  String applicationId = "ks-peer";
  String prefix = "";
  long commitIntervalMs = 100;
  int threads = 1;
  String processingGuarantee = "exactly_once_v2";
  String stateDir = "/tmp/ks-peer-state";
  int partitions = 3;
  boolean emitCreated = false;
  final Map<String, String> config = new LinkedHashMap<>();
  String logLevel = "warn";
  long progressIntervalMs = 5000;
  boolean describe = false;
  boolean help = false;

  static Options parse(String[] args) {
    Options o = new Options();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg;
      String inline = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        inline = arg.substring(eq + 1);
      }
      switch (name) {
        case "--help", "-h" -> o.help = true;
        case "--emit-created" -> o.emitCreated = true;
        case "--describe" -> o.describe = true;
        default -> {
          if (!VALUED.contains(name)) throw new IllegalArgumentException("unknown flag " + arg);
          String value;
          if (inline != null) value = inline;
          else if (i + 1 < args.length) value = args[++i];
          else throw new IllegalArgumentException("missing value for " + name);
          o.set(name, value);
        }
      }
    }
    return o;
  }

  private void set(String name, String value) {
    switch (name) {
      case "--bootstrap" -> bootstrap = value;
      case "--application-id" -> applicationId = nonEmpty(name, value);
      case "--prefix" -> prefix = value;
      case "--commit-interval-ms" -> commitIntervalMs = number(name, value, 0);
      case "--threads" -> threads = (int) number(name, value, 1);
      case "--processing-guarantee" -> {
        if (!value.equals("exactly_once_v2") && !value.equals("at_least_once"))
          throw new IllegalArgumentException(
              "--processing-guarantee must be exactly_once_v2 or at_least_once, got " + value);
        processingGuarantee = value;
      }
      case "--state-dir" -> stateDir = nonEmpty(name, value);
      case "--partitions" -> partitions = (int) number(name, value, 1);
      case "--config" -> {
        int eq = value.indexOf('=');
        if (eq <= 0) throw new IllegalArgumentException("--config expects KEY=VALUE, got " + value);
        config.put(value.substring(0, eq), value.substring(eq + 1));
      }
      case "--log-level" -> logLevel = nonEmpty(name, value);
      case "--progress-interval-ms" -> progressIntervalMs = number(name, value, 100);
      default -> throw new IllegalArgumentException("unknown flag " + name);
    }
  }

  private static String nonEmpty(String name, String value) {
    if (value.isBlank()) throw new IllegalArgumentException(name + " must not be empty");
    return value;
  }

  private static long number(String name, String value, long min) {
    long n;
    try {
      n = Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " expects a number, got " + value);
    }
    if (n < min) throw new IllegalArgumentException(name + " must be >= " + min + ", got " + n);
    return n;
  }
}
