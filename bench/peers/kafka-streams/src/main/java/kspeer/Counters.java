package kspeer;

import java.util.concurrent.atomic.LongAdder;

/**
 * Process-wide counters for the progress line. They count processing attempts: under
 * exactly_once_v2 a task whose transaction aborts re-processes its records, so after a failure the
 * counts can exceed what was committed. order-status itself is the source of truth.
 */
final class Counters {
  static final LongAdder ORDERS_SEEN = new LongAdder();
  static final LongAdder ORDERS_INVALID = new LongAdder();
  static final LongAdder ORDERS_DUPLICATE = new LongAdder();
  static final LongAdder STOCK_SEEN = new LongAdder();
  static final LongAdder STOCK_INVALID = new LongAdder();
  static final LongAdder REQUESTS = new LongAdder();
  static final LongAdder LINES_RESERVED = new LongAdder();
  static final LongAdder LINES_REJECTED = new LongAdder();
  static final LongAdder RESULTS_ORPHAN = new LongAdder();
  static final LongAdder STATUS_RESERVED = new LongAdder();
  static final LongAdder STATUS_REJECTED = new LongAdder();

  private Counters() {}

  static String line() {
    long reserved = STATUS_RESERVED.sum();
    long rejected = STATUS_REJECTED.sum();
    return "orders="
        + ORDERS_SEEN.sum()
        + " invalid="
        + ORDERS_INVALID.sum()
        + " duplicate="
        + ORDERS_DUPLICATE.sum()
        + " stock="
        + STOCK_SEEN.sum()
        + " stockInvalid="
        + STOCK_INVALID.sum()
        + " requests="
        + REQUESTS.sum()
        + " lines(reserved="
        + LINES_RESERVED.sum()
        + " rejected="
        + LINES_REJECTED.sum()
        + ") results="
        + (reserved + rejected)
        + " (RESERVED="
        + reserved
        + " REJECTED="
        + rejected
        + ")";
  }
}
