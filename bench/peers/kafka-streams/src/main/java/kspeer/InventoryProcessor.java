package kspeer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The per-SKU half [key: sku], the peer of processors/inventory.ts (RESERVE and stock only): every
 * request and every stock adjustment of a SKU reaches the one task owning its partition, so
 * decisions are made one at a time against that task's RocksDB stores and cannot oversell.
 * Decisions are idempotent per (sku, orderId): a repeated request gets the recorded answer.
 *
 * <p>Input values: a request has "action" (forwarded result keyed by orderId), a stock adjustment
 * has "delta" (nothing forwarded).
 */
final class InventoryProcessor implements Processor<String, JsonNode, String, JsonNode> {
  static final String STOCK_STORE = "inventory-store";
  static final String RESERVATIONS_STORE = "inventory-reservations";

  private ProcessorContext<String, JsonNode> context;
  private KeyValueStore<String, JsonNode> stock;
  private KeyValueStore<String, JsonNode> reservations;

  @Override
  public void init(ProcessorContext<String, JsonNode> context) {
    this.context = context;
    this.stock = context.getStateStore(STOCK_STORE);
    this.reservations = context.getStateStore(RESERVATIONS_STORE);
  }

  @Override
  public void process(Record<String, JsonNode> record) {
    JsonNode value = record.value();
    if (record.key() == null || value == null) return;
    if (value.has("delta")) adjust(record.key(), value.get("delta").asLong());
    else if ("RESERVE".equals(value.path("action").asText())) reserve(record, value);
  }

  private ObjectNode stockOf(String sku) {
    JsonNode stored = stock.get(sku);
    if (stored instanceof ObjectNode node) return node;
    ObjectNode empty = Json.object();
    empty.put("onHand", 0L);
    empty.put("available", 0L);
    empty.put("reserved", 0L);
    empty.put("shortfall", 0L);
    return empty;
  }

  private void reserve(Record<String, JsonNode> record, JsonNode request) {
    String sku = record.key();
    String orderId = request.get("orderId").asText();
    long quantity = request.get("quantity").asLong();
    ObjectNode skuStock = stockOf(sku);
    long available = skuStock.get("available").asLong();
    String key = sku + '\u0000' + orderId;
    JsonNode existing = reservations.get(key);
    ObjectNode result;
    if (existing != null) {
      // Replayed request: answer what was decided, change nothing.
      String state = existing.get("state").asText();
      boolean refused = "REJECTED".equals(state) || "RELEASED".equals(state);
      result =
          result(orderId, sku, existing.get("quantity").asLong(), refused ? "REJECTED" : "RESERVED",
              available, refused ? "reservation is " + state : null);
    } else if (available < quantity) {
      reservations.put(key, entry(quantity, "REJECTED"));
      result =
          result(orderId, sku, quantity, "REJECTED", available,
              "insufficient stock: " + available + " available, " + quantity + " requested");
    } else {
      skuStock.put("available", available - quantity);
      skuStock.put("reserved", skuStock.get("reserved").asLong() + quantity);
      stock.put(sku, skuStock);
      reservations.put(key, entry(quantity, "RESERVED"));
      result = result(orderId, sku, quantity, "RESERVED", available - quantity, null);
    }
    if ("RESERVED".equals(result.get("outcome").asText())) Counters.LINES_RESERVED.increment();
    else Counters.LINES_REJECTED.increment();
    context.forward(record.withKey(orderId).withValue(result));
  }

  /**
   * Positive deltas add on-hand and available stock. Shrinkage removes only what is available;
   * what cannot be removed (it is reserved) is recorded as shortfall, never as negative stock.
   */
  private void adjust(String sku, long delta) {
    ObjectNode s = stockOf(sku);
    long available = s.get("available").asLong();
    if (delta >= 0) {
      s.put("onHand", s.get("onHand").asLong() + delta);
      s.put("available", available + delta);
    } else {
      long removable = Math.min(available, -delta);
      s.put("onHand", s.get("onHand").asLong() - removable);
      s.put("available", available - removable);
      s.put("shortfall", s.get("shortfall").asLong() + (-delta - removable));
    }
    stock.put(sku, s);
  }

  private static ObjectNode entry(long quantity, String state) {
    ObjectNode entry = Json.object();
    entry.put("quantity", quantity);
    entry.put("state", state);
    return entry;
  }

  private static ObjectNode result(
      String orderId, String sku, long quantity, String outcome, long available, String reason) {
    ObjectNode result = Json.object();
    result.put("orderId", orderId);
    result.put("sku", sku);
    result.put("quantity", quantity);
    result.put("outcome", outcome);
    result.put("available", available);
    if (reason == null) result.putNull("reason");
    else result.put("reason", reason);
    return result;
  }
}
