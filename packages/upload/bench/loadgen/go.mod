module keyless-build/packages/upload/bench/loadgen

go 1.22
