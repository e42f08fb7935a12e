variable "principals" {
  description = "Kafka principal by saga service (core, payment, notification, read-model), e.g. { core = \"User:orders\" }. While one workload runs every service, give them all the same principal."
  type        = map(string)

  validation {
    condition     = alltrue([for service in keys(var.principals) : contains(["core", "payment", "notification", "read-model"], service)])
    error_message = "principals keys must be saga services: core, payment, notification, read-model."
  }
}

variable "application_id" {
  description = "The app's APPLICATION_ID: the core's consumer group; the other services' groups are <application_id>-<service>."
  type        = string
  default     = "ecommerce-saga"
}

variable "topic_prefix" {
  description = "Put in front of every topic name (the chart's kafka.topicPrefix)."
  type        = string
  default     = ""
}

variable "acl_host" {
  description = "Host the ACLs allow (\"*\": any)."
  type        = string
  default     = "*"
}
