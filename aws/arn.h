/*
 * Amazon Resource Names, as in arn:aws:acm-pca:eu-west-1:111122223333:
 * certificate-authority/<id>.
 */
#ifndef PCA_AWS_ARN_H
#define PCA_AWS_ARN_H

struct aws_arn {
	char *partition; /* "aws", "aws-cn", "aws-us-gov", ... */
	char *service;
	char *region;
	char *account;
	char *resource; /* everything after the account, e.g. "certificate-authority/<id>" */
};

/* Parses "arn:partition:service:region:account:resource"; -1 with *cause. */
int aws_arn_parse(const char *arn, struct aws_arn *out, char **cause);
void aws_arn_clear(struct aws_arn *arn);

#endif
