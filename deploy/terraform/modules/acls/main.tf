# ACLs per saga service principal: its consumer group, its transactional ids
# (<group>-<instance id>), the topics it reads and writes (app/saga-topology.ts), the internal
# topics the engine creates under its group's name, and Create on the saga's topics (every process
# creates them, idempotently, at start).
locals {
  p   = var.topic_prefix
  app = var.application_id

  loop = { for name in ["reservation-requests", "reservation-results", "payment-requests", "payment-results", "notification-requests"] :
    name => "${local.p}${local.app}-${name}-repartition"
  }
  saga_topics = concat(
    [for name in ["orders", "stock", "order-status", "shipments", "notifications", "dead-letter"] : "${local.p}${name}"],
    values(local.loop),
  )

  services = {
    core = {
      group = local.app
      reads = ["${local.p}orders", "${local.p}stock", local.loop["reservation-requests"], local.loop["reservation-results"], local.loop["payment-results"]]
      writes = [
        "${local.p}order-status", "${local.p}shipments", "${local.p}dead-letter", local.loop["reservation-requests"],
        local.loop["reservation-results"], local.loop["payment-requests"], local.loop["notification-requests"],
      ]
    }
    payment = {
      group  = "${local.app}-payment"
      reads  = [local.loop["payment-requests"]]
      writes = [local.loop["payment-results"], "${local.p}dead-letter"]
    }
    notification = {
      group  = "${local.app}-notification"
      reads  = [local.loop["notification-requests"]]
      writes = ["${local.p}notifications", "${local.p}dead-letter"]
    }
    read-model = {
      group  = "${local.app}-read-model"
      reads  = ["${local.p}order-status"]
      writes = ["${local.p}dead-letter"]
    }
  }

  acls = merge([
    for service, principal in var.principals : merge(
      {
        "${service}/group/read" = { principal = principal, type = "Group", name = local.services[service].group, pattern = "Literal", operation = "Read" }
        # Transactional ids are <group>-<instance id>.
        "${service}/txn/write"    = { principal = principal, type = "TransactionalId", name = "${local.services[service].group}-", pattern = "Prefixed", operation = "Write" }
        "${service}/txn/describe" = { principal = principal, type = "TransactionalId", name = "${local.services[service].group}-", pattern = "Prefixed", operation = "Describe" }
        # Changelog and repartition topics of the engine: <prefix><group>-<name>-changelog|repartition.
        "${service}/internal/all" = { principal = principal, type = "Topic", name = "${local.p}${local.services[service].group}-", pattern = "Prefixed", operation = "All" }
      },
      { for topic in local.services[service].reads : "${service}/read/${topic}" => { principal = principal, type = "Topic", name = topic, pattern = "Literal", operation = "Read" } },
      { for topic in local.services[service].writes : "${service}/write/${topic}" => { principal = principal, type = "Topic", name = topic, pattern = "Literal", operation = "Write" } },
      { for topic in local.saga_topics : "${service}/create/${topic}" => { principal = principal, type = "Topic", name = topic, pattern = "Literal", operation = "Create" } },
    )
  ]...)
}

resource "kafka_acl" "this" {
  for_each = local.acls

  acl_principal                = each.value.principal
  acl_host                     = var.acl_host
  acl_operation                = each.value.operation
  acl_permission_type          = "Allow"
  resource_name                = each.value.name
  resource_type                = each.value.type
  resource_pattern_type_filter = each.value.pattern
}
