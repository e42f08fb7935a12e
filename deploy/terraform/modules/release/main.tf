# The chart as a Helm release, with the values that must agree with the topics module (partitions,
# application id, prefix) set from Terraform and everything else passed through `values`.
locals {
  chart = coalesce(var.chart_path, "${path.module}/../../../helm/kafka-ecommerce-pipeline")

  module_values = {
    image = var.image
    kafka = {
      bootstrapServers  = join(",", var.kafka.bootstrap_servers)
      applicationId     = var.kafka.application_id
      topicPrefix       = var.kafka.topic_prefix
      partitions        = var.kafka.partitions
      replicationFactor = var.kafka.replication_factor
      sasl = {
        enabled        = var.kafka.sasl_secret != null
        mechanism      = var.kafka.sasl_mechanism
        existingSecret = coalesce(var.kafka.sasl_secret, "")
      }
      tls = { enabled = var.kafka.tls }
    }
    secrets = { existingSecret = coalesce(var.app_secret, "") }
    workloadDefaults = {
      streamProcesses = var.autoscaling.stream_processes_per_replica
      autoscaling = {
        enabled                           = true
        minReplicas                       = var.autoscaling.min_replicas
        maxReplicas                       = var.autoscaling.max_replicas
        targetCPUUtilizationPercentage    = var.autoscaling.target_cpu_percent
        scaleUpStabilizationWindowSeconds = var.autoscaling.scale_up_stabilization_secs
      }
    }
  }
}

resource "helm_release" "this" {
  name             = var.name
  namespace        = var.namespace
  create_namespace = var.create_namespace
  chart            = local.chart
  values           = concat(var.values, [yamlencode(local.module_values)])
  timeout          = var.timeout_seconds
  wait             = true
  atomic           = true

  lifecycle {
    precondition {
      condition     = var.autoscaling.max_replicas * var.autoscaling.stream_processes_per_replica <= var.kafka.partitions
      error_message = "autoscaling.max_replicas × stream_processes_per_replica is above kafka.partitions: members beyond the partition count get no task (the chart refuses it too)."
    }
  }
}
