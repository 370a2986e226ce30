#pragma once
// Result<T>: the error-or-value type of every codec and engine (DESIGN.md, "Errors").

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace wk {

template <class T>
using Result = boost::system::result<T>;

using ErrorCode = boost::system::error_code;

}  // namespace wk
