output "topic_names" {
  description = "Topic name (with prefix) by unprefixed name."
  value       = { for key, topic in kafka_topic.this : key => topic.name }
}

output "partitions" {
  description = "Partitions of the saga's topics (give the chart the same kafka.partitions)."
  value       = var.partitions
}
