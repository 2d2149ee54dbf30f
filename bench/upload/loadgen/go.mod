module keyless-build/bench/upload/loadgen

go 1.22
