output "name" {
  description = "Release name."
  value       = helm_release.this.name
}

output "status" {
  description = "Release status."
  value       = helm_release.this.status
}
