/*
 * The AWS partitions (aws, aws-cn, aws-us-gov and the isolated ones): which
 * one a region belongs to and the DNS suffixes of their hostnames.
 */
#ifndef PCA_AWS_PARTITION_H
#define PCA_AWS_PARTITION_H

struct aws_partition {
	const char *name;
	const char *prefix; /* region name prefix; NULL for the default partition */
	const char *dns_suffix;
	const char *dualstack_suffix; /* NULL when the partition has no dual-stack hosts */
	/* The FIPS hostname keeps the plain service name (GovCloud). */
	int fips_plain;
};

/* The partition of a region ("aws" for unknown prefixes); static data. */
const struct aws_partition *aws_partition_find_region(const char *region);
/* The partition's name for a region ("aws" for unknown prefixes). */
const char *aws_partition_of_region(const char *region);
/* The DNS suffix of a partition ("amazonaws.com", "amazonaws.com.cn", ...). */
const char *aws_partition_dns_suffix(const char *partition);

#endif
