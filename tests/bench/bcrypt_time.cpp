// Used by scripts/bench: the time of one bcrypt verify at a cost (so the login
// target can be stated against this machine's bcrypt limit), and a hash to
// seed users with.
//   bench_bcrypt verify COST [ROUNDS]   prints milliseconds per verify
//   bench_bcrypt hash COST PASSWORD     prints the hash
#include "security/password.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_bcrypt verify COST [ROUNDS] | hash COST PASSWORD\n");
        return 2;
    }
    std::string mode = argv[1];
    int cost = std::atoi(argv[2]);
    usersvc::PasswordHasher hasher(cost, 1);
    if (mode == "hash" && argc >= 4) {
        std::printf("%s\n", hasher.hash(argv[3]).c_str());
        return 0;
    }
    int rounds = argc >= 4 ? std::atoi(argv[3]) : 20;
    auto hash = hasher.hash("bench-password");
    hasher.verify("bench-password", hash); // warm up
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < rounds; ++i)
        hasher.verify("bench-password", hash);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / rounds;
    std::printf("%.3f\n", ms);
    return 0;
}
