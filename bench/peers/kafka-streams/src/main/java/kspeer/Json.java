package kspeer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** One shared Jackson mapper and a JsonNode serde for the internal topics and the stores. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** Parses a JSON text; null when it is not valid JSON (the caller counts and skips it). */
  static JsonNode parseOrNull(String text) {
    if (text == null) return null;
    try {
      return MAPPER.readTree(text);
    } catch (IOException e) {
      return null;
    }
  }

  static final Serializer<JsonNode> SERIALIZER =
      (topic, node) -> {
        if (node == null) return null;
        try {
          return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
          throw new SerializationException("cannot write JSON for " + topic, e);
        }
      };

  static final Deserializer<JsonNode> DESERIALIZER =
      (topic, bytes) -> {
        if (bytes == null) return null;
        try {
          return MAPPER.readTree(bytes);
        } catch (IOException e) {
          throw new SerializationException("cannot read JSON from " + topic, e);
        }
      };

  static Serde<JsonNode> serde() {
    return Serdes.serdeFrom(SERIALIZER, DESERIALIZER);
  }
}
