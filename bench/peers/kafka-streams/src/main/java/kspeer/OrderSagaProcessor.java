package kspeer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The per-order half [key: orderId], the peer of processors/order-saga.ts limited to reservation:
 * an order (from orders-by-id) is recorded with one PENDING line per SKU and fans out one RESERVE
 * request per line; reservation results (from the results loop topic) fill the lines in; when every
 * line has answered, one OrderStatusChanged (CREATED -> RESERVED | REJECTED) goes to order-status.
 *
 * <p>Input values are told apart by shape: an order has "items", a result has "outcome". Output
 * values likewise: a status event has "status" (key orderId), a request has "action" (key sku).
 */
final class OrderSagaProcessor implements Processor<String, JsonNode, String, JsonNode> {
  static final String STORE = "order-saga-store";

  private final boolean emitCreated;
  private ProcessorContext<String, JsonNode> context;
  private KeyValueStore<String, JsonNode> orders;

  OrderSagaProcessor(boolean emitCreated) {
    this.emitCreated = emitCreated;
  }

  @Override
  public void init(ProcessorContext<String, JsonNode> context) {
    this.context = context;
    this.orders = context.getStateStore(STORE);
  }

  @Override
  public void process(Record<String, JsonNode> record) {
    JsonNode value = record.value();
    if (record.key() == null || value == null) return;
    if (value.has("items")) onOrder(record, value);
    else if (value.has("outcome")) onResult(record, value);
  }

  private void onOrder(Record<String, JsonNode> record, JsonNode order) {
    String orderId = record.key();
    if (orders.get(orderId) != null) {
      // A replayed or re-sent order: its saga already runs; nothing is requested twice.
      Counters.ORDERS_DUPLICATE.increment();
      return;
    }
    JsonNode givenCreatedAt = order.get("createdAt");
    long createdAt =
        givenCreatedAt != null && givenCreatedAt.isIntegralNumber()
            ? givenCreatedAt.asLong()
            : record.timestamp();
    ObjectNode state = Json.object();
    state.put("orderId", orderId);
    state.put("status", "CREATED");
    state.put("createdAt", createdAt);
    state.putNull("reason");
    ObjectNode lines = state.putObject("lines");
    for (JsonNode item : order.get("items")) lines.put(item.get("sku").asText(), "PENDING");
    if (emitCreated) emitStatus(record, state, null);
    for (JsonNode item : order.get("items")) {
      String sku = item.get("sku").asText();
      ObjectNode request = Json.object();
      request.put("orderId", orderId);
      request.put("sku", sku);
      request.put("quantity", item.get("quantity").asLong());
      request.put("action", "RESERVE");
      context.forward(record.withKey(sku).withValue(request));
      Counters.REQUESTS.increment();
    }
    orders.put(orderId, state);
  }

  private void onResult(Record<String, JsonNode> record, JsonNode result) {
    String orderId = record.key();
    JsonNode stored = orders.get(orderId);
    if (!(stored instanceof ObjectNode state)) {
      Counters.RESULTS_ORPHAN.increment();
      return;
    }
    ObjectNode lines = (ObjectNode) state.get("lines");
    String sku = result.path("sku").asText();
    JsonNode line = lines.get(sku);
    String outcome = result.path("outcome").asText();
    // Unknown line, or a line that already answered (a replayed result): nothing changes.
    if (line == null || !"PENDING".equals(line.asText())) return;
    if (!"RESERVED".equals(outcome) && !"REJECTED".equals(outcome)) return;
    lines.put(sku, outcome);
    if ("REJECTED".equals(outcome) && state.get("reason").isNull()) {
      JsonNode why = result.get("reason");
      state.put("reason", sku + ": " + (why == null || why.isNull() ? "rejected" : why.asText()));
    }
    if ("CREATED".equals(state.get("status").asText()) && allAnswered(lines)) {
      boolean rejected = !state.get("reason").isNull();
      state.put("status", rejected ? "REJECTED" : "RESERVED");
      emitStatus(record, state, "CREATED");
    }
    orders.put(orderId, state);
  }

  private static boolean allAnswered(ObjectNode lines) {
    for (Iterator<Map.Entry<String, JsonNode>> it = lines.fields(); it.hasNext(); ) {
      if ("PENDING".equals(it.next().getValue().asText())) return false;
    }
    return true;
  }

  private void emitStatus(Record<String, JsonNode> record, ObjectNode state, String previousStatus) {
    String status = state.get("status").asText();
    ObjectNode event = Json.object();
    event.put("orderId", state.get("orderId").asText());
    event.put("status", status);
    if (previousStatus == null) event.putNull("previousStatus");
    else event.put("previousStatus", previousStatus);
    if ("REJECTED".equals(status)) event.set("reason", state.get("reason"));
    else event.putNull("reason");
    event.put("at", System.currentTimeMillis());
    event.put("createdAt", state.get("createdAt").asLong());
    context.forward(record.withKey(state.get("orderId").asText()).withValue(event));
    if ("RESERVED".equals(status)) Counters.STATUS_RESERVED.increment();
    else if ("REJECTED".equals(status)) Counters.STATUS_REJECTED.increment();
  }
}
