/*
 * Permissions the role refuses, reported once each (kube/permission.c).
 */
#ifndef PCA_KUBE_PERMISSION_H
#define PCA_KUBE_PERMISSION_H

/*
 * Records that the role refused verb on resource (a 403), and what
 * pca-issuer does without it: logged once per (resource, verb), and shown
 * as pca_issuer_permission_missing{resource,verb} = 1.
 */
void kube_permission_missing(const char *resource, const char *verb, const char *consequence);
/* The permission is there after all (a later attempt succeeded): the gauge goes to 0. */
void kube_permission_granted(const char *resource, const char *verb);

#endif
