#include "services/status_service.hpp"

#include "domain/clock.hpp"
#include "security/password.hpp"
#include "storage/store.hpp"

namespace usersvc {

bool StatusService::storeAnswers() {
    return store_.ping();
}

std::int64_t StatusService::users() {
    return store_.countUsers();
}

std::int64_t StatusService::openSessions() {
    return store_.countOpenSessions(nowMs());
}

int StatusService::hashesWaiting() const {
    return hasher_.waiting();
}

} // namespace usersvc
