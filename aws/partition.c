/*
 * The AWS partitions, as the SDKs' endpoint data has them: a region's name
 * prefix picks its partition, the partition gives the DNS suffix, and FIPS
 * or dual-stack variants change the hostname.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/partition.h"

/* Longer prefixes first: "us-iso-" must not match "us-isob-" and vice versa. */
static const struct aws_partition aws_partitions[] = {
    {"aws-us-gov", "us-gov-", "amazonaws.com", "api.aws", 1},
    {"aws-iso-b", "us-isob-", "sc2s.sgov.gov", NULL, 0},
    {"aws-iso-f", "us-isof-", "csp.hci.ic.gov", NULL, 0},
    {"aws-iso-e", "eu-isoe-", "cloud.adc-e.uk", NULL, 0},
    {"aws-iso", "us-iso-", "c2s.ic.gov", NULL, 0},
    {"aws-cn", "cn-", "amazonaws.com.cn", "api.amazonwebservices.com.cn", 0},
    {"aws-eusc", "eusc-", "amazonaws.eu", "api.amazonwebservices.eu", 0},
    {"aws", NULL, "amazonaws.com", "api.aws", 0},
};
#define AWS_NPARTITIONS (sizeof aws_partitions / sizeof aws_partitions[0])

const struct aws_partition *
aws_partition_find_region(const char *region)
{
	size_t i;

	for (i = 0; i < AWS_NPARTITIONS - 1; i++) {
		const char *p = aws_partitions[i].prefix;
		if (region != NULL && strncmp(region, p, strlen(p)) == 0)
			return &aws_partitions[i];
	}
	return &aws_partitions[AWS_NPARTITIONS - 1];
}

static const struct aws_partition *
aws_partition_find_name(const char *partition)
{
	size_t i;

	for (i = 0; i < AWS_NPARTITIONS; i++) {
		if (partition != NULL && strcmp(aws_partitions[i].name, partition) == 0)
			return &aws_partitions[i];
	}
	return &aws_partitions[AWS_NPARTITIONS - 1];
}

const char *
aws_partition_of_region(const char *region)
{
	return aws_partition_find_region(region)->name;
}

const char *
aws_partition_dns_suffix(const char *partition)
{
	return aws_partition_find_name(partition)->dns_suffix;
}
