variable "topic_prefix" {
  description = "Put in front of every topic name (the chart's kafka.topicPrefix)."
  type        = string
  default     = ""
}

variable "application_id" {
  description = "The app's APPLICATION_ID (the chart's kafka.applicationId): names the saga's loop topics."
  type        = string
  default     = "ecommerce-saga"
}

variable "partitions" {
  description = "Partitions of the saga's topics. Must equal the chart's kafka.partitions: the app refuses inputs with another count (co-partitioning)."
  type        = number
  default     = 3

  validation {
    condition     = var.partitions >= 1 && floor(var.partitions) == var.partitions
    error_message = "partitions must be a whole number >= 1."
  }
}

variable "replication_factor" {
  description = "Replicas of every partition."
  type        = number
  default     = 3
}

variable "min_insync_replicas" {
  description = "min.insync.replicas: with acks=all (the app's transactional producer) a write needs this many replicas; 2 of 3 survives one broker down without losing acknowledged records."
  type        = number
  default     = 2

  validation {
    condition     = var.min_insync_replicas >= 1
    error_message = "min_insync_replicas must be >= 1."
  }
}

variable "retention_ms" {
  description = "retention.ms of the input, output and loop topics (order-status is compacted instead)."
  type        = number
  default     = 604800000 # 7 days
}

variable "dead_letter_retention_ms" {
  description = "retention.ms of dead-letter: long enough to inspect and replay what failed."
  type        = number
  default     = 2419200000 # 28 days
}

variable "manage_loop_topics" {
  description = "Also create the saga's loop topics (<application_id>-<name>-repartition). The app creates them when missing; managing them here gives them the same replication and min.insync.replicas."
  type        = bool
  default     = true
}
