output "topics" {
  description = "The saga's topics."
  value       = module.topics.topic_names
}

output "release_status" {
  description = "Status of the Helm release."
  value       = module.release.status
}
