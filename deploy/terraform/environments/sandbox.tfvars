# A throwaway rehearsal of staging at the least cost: one NAT gateway, small single-AZ databases
# without a Redis replica, and no deletion protection.
environment = "sandbox"
vpc_cidr    = "10.10.0.0/16"

single_nat_gateway = true

node_group = {
  instance_types = ["t3.medium"]
  min_size       = 1
  desired_size   = 2
  max_size       = 3
}

mysql_instance_class = "db.t4g.micro"
mysql_multi_az       = false
deletion_protection  = false
redis_node_type      = "cache.t4g.micro"
redis_replicas       = 0

# PLACEHOLDER hosts: where the customer-facing web client receives the sign-in code.
auth_callback_urls = ["https://www.sandbox.example.invalid/signin/callback"]
auth_logout_urls   = ["https://www.sandbox.example.invalid/"]
