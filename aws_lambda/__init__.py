"""AWS target: Lambda behind API Gateway, writing to S3."""
