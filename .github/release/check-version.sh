#!/usr/bin/env bash
# Before a release is built: the tag, the project version and the image manifests/ installs must be one
# version, or install.yaml would pull an image that was never pushed (ImagePullBackOff).
#   .github/release/check-version.sh v0.1.0
set -euo pipefail
cd "$(dirname "$0")/../.."
tag="${1:?usage: $0 v<version>}"
version="${tag#v}"
[[ "$tag" == v* && "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-.][0-9A-Za-z.]+)?$ ]] \
  || { echo "tag $tag is not v<major>.<minor>.<patch>"; exit 1; }

property() { sed -n "s/^$1=//p" src/main/resources/application.properties; }
image="$(property quarkus.container-image.registry)/$(property quarkus.container-image.group)/$(property quarkus.container-image.name)"
# The project's own <version>: the first one after its <artifactId> (the parent-less pom has no other before it).
pom=$(sed -n '/<artifactId>hpa-metrics-adapter<\/artifactId>/{n;s/.*<version>\(.*\)<\/version>.*/\1/p;q}' pom.xml)
installs=$(kubectl kustomize manifests/ | sed -n 's/^ *image: *//p' | sort -u)

failed=0
if [[ "${pom%-SNAPSHOT}" != "$version" ]]; then
  echo "pom.xml has version $pom, the tag says $version: set the project version to $version before tagging"
  failed=1
fi
if [[ "$installs" != "$image:$version" ]]; then
  echo "manifests/ installs image '$installs', the release pushes $image:$version:" \
       "set it in manifests/base/deployment.yaml"
  failed=1
fi
[[ $failed == 0 ]] && echo "release $tag: pom $pom, image $image:$version"
exit $failed
