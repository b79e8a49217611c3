# Earlier addresses of resources that a refactoring renamed: Terraform moves them in the state
# instead of destroying and recreating them.

moved {
  from = aws_security_group.mysql
  to   = aws_security_group.datastore["mysql"]
}

moved {
  from = aws_security_group.redis
  to   = aws_security_group.datastore["redis"]
}

moved {
  from = aws_vpc_security_group_ingress_rule.mysql_from_nodes
  to   = aws_vpc_security_group_ingress_rule.from_nodes["mysql"]
}

moved {
  from = aws_vpc_security_group_ingress_rule.redis_from_nodes
  to   = aws_vpc_security_group_ingress_rule.from_nodes["redis"]
}
