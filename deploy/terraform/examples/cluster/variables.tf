variable "kafka_bootstrap_servers" {
  description = "Brokers, host:port."
  type        = list(string)
}

variable "kafka_admin_username" {
  description = "SASL user that creates topics and ACLs (Terraform's, not the app's)."
  type        = string
}

variable "kafka_admin_password" {
  description = "Its password."
  type        = string
  sensitive   = true
}

variable "kubeconfig_path" {
  description = "kubeconfig of the cluster."
  type        = string
  default     = "~/.kube/config"
}

variable "namespace" {
  description = "Namespace of the release."
  type        = string
  default     = "shop"
}

variable "image_tag" {
  description = "Tag of the image built from the repository's Dockerfile."
  type        = string
  default     = "0.1.0"
}
