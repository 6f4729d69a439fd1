# shellcheck shell=bash
# The appliance's jar for what runs it from the repository (./demo, the benchmarks): sets $jar and builds it (Maven
# wrapper, JDK 17) when it is missing or older than a source or POM of the appliance, so a pull never runs an old
# build. The old jar is unlinked first: Maven rewrites a jar in place, under an appliance still running from it.
# Sourced from the repository root, not run.
# shellcheck disable=SC2034 # read by the scripts that source this one
jar=appliance/service/target/edgeinspect-appliance.jar
sources=(pom.xml appliance/core/pom.xml appliance/core/src appliance/service/pom.xml appliance/service/src)
if [ ! -f "$jar" ] || [ -n "$(find "${sources[@]}" -newer "$jar" -type f -print -quit)" ]; then
  rm -f "$jar"
  ./mvnw -q -B -pl appliance/service -am package -DskipTests
fi
