# The topics of docs/CONTRACT.md, plus the loop topics between the saga's sub-topologies
# (app/saga-topics.ts). The engine's own repartition and changelog topics are created by the app.
locals {
  p = var.topic_prefix

  common = {
    "min.insync.replicas" = tostring(var.min_insync_replicas)
  }
  deleted = merge(local.common, {
    "cleanup.policy" = "delete"
    "retention.ms"   = tostring(var.retention_ms)
  })

  contract_topics = {
    orders        = { partitions = var.partitions, config = local.deleted }
    stock         = { partitions = var.partitions, config = local.deleted }
    shipments     = { partitions = var.partitions, config = local.deleted }
    notifications = { partitions = var.partitions, config = local.deleted }
    # The last record per order is its current state: compacted, never deleted by age.
    order-status = {
      partitions = var.partitions
      config = merge(local.common, {
        "cleanup.policy"        = "compact"
        "min.compaction.lag.ms" = "60000"
      })
    }
    # One partition, as the app creates it: records keep their failure order.
    dead-letter = {
      partitions = 1
      config = merge(local.common, {
        "cleanup.policy" = "delete"
        "retention.ms"   = tostring(var.dead_letter_retention_ms)
      })
    }
  }

  loop_names = [
    "reservation-requests",
    "reservation-results",
    "payment-requests",
    "payment-results",
    "notification-requests",
  ]
  loop_topics = var.manage_loop_topics ? {
    for name in local.loop_names :
    "${var.application_id}-${name}-repartition" => { partitions = var.partitions, config = local.deleted }
  } : {}

  topics = merge(local.contract_topics, local.loop_topics)
}

resource "kafka_topic" "this" {
  for_each = local.topics

  name               = "${local.p}${each.key}"
  partitions         = each.value.partitions
  replication_factor = var.replication_factor
  config             = each.value.config

  lifecycle {
    precondition {
      condition     = var.min_insync_replicas <= var.replication_factor
      error_message = "min_insync_replicas (${var.min_insync_replicas}) above replication_factor (${var.replication_factor}): no write could ever be acknowledged."
    }
  }
}
