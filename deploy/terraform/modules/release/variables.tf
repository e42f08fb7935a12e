variable "name" {
  description = "Helm release name."
  type        = string
  default     = "orders"
}

variable "namespace" {
  description = "Namespace of the release."
  type        = string
}

variable "create_namespace" {
  description = "Create the namespace when missing."
  type        = bool
  default     = false
}

variable "chart_path" {
  description = "Path of the chart (deploy/helm/kafka-ecommerce-pipeline) or a packaged chart."
  type        = string
  default     = null
}

variable "image" {
  description = "Image repository and tag of the service."
  type = object({
    repository = string
    tag        = string
  })
}

variable "kafka" {
  description = "Brokers, application id, topic prefix and partitions: partitions must be the topics module's."
  type = object({
    bootstrap_servers = list(string)
    application_id    = optional(string, "ecommerce-saga")
    topic_prefix      = optional(string, "")
    partitions        = number
    # Replicas of the topics the app creates itself (changelogs, repartitions).
    replication_factor = optional(number, 3)
    sasl_mechanism     = optional(string, "SCRAM-SHA-512")
    # A Secret with KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD; null: no SASL.
    sasl_secret = optional(string)
    tls         = optional(bool, false)
  })
}

variable "app_secret" {
  description = "An existing Secret with DATABASE_URL, SMS_API_KEY, WEBHOOK_SECRET (any of them); null: none."
  type        = string
  default     = null
}

variable "autoscaling" {
  description = "The CPU autoscaler of the single workload: the seed's rule is 70 % for 300 s."
  type = object({
    min_replicas                 = optional(number, 1)
    max_replicas                 = number
    target_cpu_percent           = optional(number, 70)
    scale_up_stabilization_secs  = optional(number, 300)
    stream_processes_per_replica = optional(number, 1)
  })

  validation {
    condition     = var.autoscaling.target_cpu_percent > 0 && var.autoscaling.target_cpu_percent <= 100
    error_message = "target_cpu_percent must be in 1..100."
  }
}

variable "values" {
  description = "More chart values (YAML documents). The values this module sets come last and win: they must agree with the topics module."
  type        = list(string)
  default     = []
}

variable "timeout_seconds" {
  description = "How long Helm waits for the pods to be ready (restoration of large stores takes a while)."
  type        = number
  default     = 900
}
