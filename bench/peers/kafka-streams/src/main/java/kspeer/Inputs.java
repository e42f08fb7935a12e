package kspeer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;

/**
 * Parsing and validation of the two input topics, the same rules as the saga's console-producer
 * formats (schemas/rules.ts): records that fail are counted and skipped, never forwarded.
 */
final class Inputs {
  static final int MAX_ITEMS = 100;

  private Inputs() {}

  /** orders: re-keyed by orderId taken from the value (producers may omit the key). */
  static List<KeyValue<String, JsonNode>> order(String key, String value) {
    Counters.ORDERS_SEEN.increment();
    JsonNode order = Json.parseOrNull(value);
    if (!validOrder(order)) {
      Counters.ORDERS_INVALID.increment();
      return List.of();
    }
    return List.of(KeyValue.pair(order.get("orderId").asText(), order));
  }

  /** stock: re-keyed by sku taken from the value. */
  static List<KeyValue<String, JsonNode>> stock(String key, String value) {
    Counters.STOCK_SEEN.increment();
    JsonNode stock = Json.parseOrNull(value);
    if (stock == null
        || !stock.isObject()
        || !nonBlankText(stock.get("sku"))
        || !isLong(stock.get("delta"))) {
      Counters.STOCK_INVALID.increment();
      return List.of();
    }
    return List.of(KeyValue.pair(stock.get("sku").asText(), stock));
  }

  static boolean validOrder(JsonNode order) {
    if (order == null || !order.isObject()) return false;
    if (!nonBlankText(order.get("orderId"))) return false;
    JsonNode items = order.get("items");
    if (items == null || !items.isArray() || items.size() < 1 || items.size() > MAX_ITEMS) return false;
    Set<String> seen = new HashSet<>();
    for (JsonNode item : items) {
      if (!item.isObject() || !nonBlankText(item.get("sku"))) return false;
      JsonNode quantity = item.get("quantity");
      if (!isLong(quantity) || quantity.asLong() < 1) return false;
      JsonNode unitPrice = item.get("unitPrice");
      if (!isLong(unitPrice) || unitPrice.asLong() < 0) return false;
      // One line per SKU: lines are tracked (and reservations made idempotent) by (orderId, sku).
      if (!seen.add(item.get("sku").asText())) return false;
    }
    return true;
  }

  private static boolean nonBlankText(JsonNode node) {
    return node != null && node.isTextual() && !node.asText().isBlank();
  }

  private static boolean isLong(JsonNode node) {
    return node != null && node.isIntegralNumber() && node.canConvertToLong();
  }
}
