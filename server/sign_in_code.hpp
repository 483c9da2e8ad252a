#pragma once
// The console's one-time sign-in code (issue 21). `usersvc serve` prints the
// console's address with this code instead of the token: a browser keeps the
// address it opened in its history, and the code is spent once the page has
// traded it for the token (POST /api/v1/admin/sign-in).
#include <mutex>
#include <string>
#include <string_view>

namespace usersvc::http {

class SignInCode {
public:
    // A fresh code of 128 bits from the OS; any code before it stops working.
    std::string issue();
    // True once for the code issued last; compared in constant time.
    bool redeem(std::string_view code);

private:
    std::mutex mutex_;
    std::string code_; // "" once redeemed
};

} // namespace usersvc::http
