-- Read model of the `order-status` topic, written by the order-status sink.
-- IF NOT EXISTS: the migration may meet tables created by an earlier manual run or by test set-up.

-- One row per order: its latest status (last write wins in topic offset order).
CREATE TABLE IF NOT EXISTS orders_read_model (
  order_id        text        PRIMARY KEY,
  status          text        NOT NULL,
  previous_status text,
  reason          text,
  updated_at      timestamptz NOT NULL,
  created_at      timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS orders_read_model_status_idx ON orders_read_model (status);

-- The next offset to consume per (group, topic, partition), committed in the same transaction as
-- the rows it produced: a replay from any Kafka offset never applies a record twice.
CREATE TABLE IF NOT EXISTS sink_offsets (
  consumer_group text    NOT NULL,
  topic          text    NOT NULL,
  "partition"    integer NOT NULL CHECK ("partition" >= 0),
  next_offset    bigint  NOT NULL CHECK (next_offset >= 0),
  PRIMARY KEY (consumer_group, topic, "partition")
);
