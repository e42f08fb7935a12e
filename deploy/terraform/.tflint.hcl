# tflint's bundled terraform ruleset (no plugin download, no provider needed): every rule, local
# modules followed from the example.
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
