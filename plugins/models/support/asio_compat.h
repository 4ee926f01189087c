// Include this before any Boost.Asio header. Boost 1.74's asio/awaitable.hpp uses
// std::exchange without including <utility>, which g++ 12 rejects under -std=c++20
// ("'exchange' is not a member of 'std'").
//
//   #include "asio_compat.h"
//   #include <boost/asio/awaitable.hpp>
#ifndef PARLAB_PLUGINS_MODELS_SUPPORT_ASIO_COMPAT_H_
#define PARLAB_PLUGINS_MODELS_SUPPORT_ASIO_COMPAT_H_

#include <utility>

#endif  // PARLAB_PLUGINS_MODELS_SUPPORT_ASIO_COMPAT_H_
