# Earlier addresses of resources that a refactoring renamed: Terraform moves them in the state
# instead of destroying and recreating them.

moved {
  from = aws_iam_role.cluster
  to   = aws_iam_role.this["cluster"]
}

moved {
  from = aws_iam_role.node
  to   = aws_iam_role.this["node"]
}
