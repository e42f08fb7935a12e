# An example cluster: the saga's topics (12 partitions, RF 3, min.insync.replicas 2), one principal
# for the single workload that runs every service, and the Helm release scaling 2–6 pods of 2
# stream processes on CPU (70 % for 5 minutes). The Secrets named below are created beside it.
locals {
  partitions     = 12
  application_id = "ecommerce-saga"
  principal      = "User:orders"
}

provider "kafka" {
  bootstrap_servers = var.kafka_bootstrap_servers
  tls_enabled       = true
  sasl_mechanism    = "scram-sha512"
  sasl_username     = var.kafka_admin_username
  sasl_password     = var.kafka_admin_password
}

provider "helm" {
  kubernetes = {
    config_path = var.kubeconfig_path
  }
}

module "topics" {
  source = "../../modules/topics"

  application_id      = local.application_id
  partitions          = local.partitions
  replication_factor  = 3
  min_insync_replicas = 2
}

module "acls" {
  source = "../../modules/acls"

  application_id = local.application_id
  # The default single workload runs every service, so one principal for all; with one workload
  # per service (values-per-service.yaml) each can have its own.
  principals = {
    core         = local.principal
    payment      = local.principal
    notification = local.principal
    read-model   = local.principal
  }
}

module "release" {
  source = "../../modules/release"

  namespace        = var.namespace
  create_namespace = true
  image = {
    repository = "images.example.com/shop/kafka-ecommerce-pipeline"
    tag        = var.image_tag
  }
  kafka = {
    bootstrap_servers  = var.kafka_bootstrap_servers
    application_id     = local.application_id
    partitions         = module.topics.partitions
    replication_factor = 3
    sasl_secret        = "orders-kafka-credentials"
    tls                = true
  }
  app_secret = "orders-app-credentials"
  autoscaling = {
    min_replicas                 = 2
    max_replicas                 = 6
    stream_processes_per_replica = 2
  }
  values = [file("${path.module}/../../../helm/kafka-ecommerce-pipeline/values-production.yaml")]

  depends_on = [module.topics, module.acls]
}
