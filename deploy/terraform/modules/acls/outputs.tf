output "acl_count" {
  description = "ACLs created."
  value       = length(kafka_acl.this)
}

output "consumer_groups" {
  description = "Consumer group by saga service."
  value       = { for service, _ in var.principals : service => local.services[service].group }
}
